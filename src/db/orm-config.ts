import { defineConfig } from '@mikro-orm/postgresql';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import type { MigrationsOptions } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { POSTGRES_DEADLINES } from '../infra/postgres-deadlines.js';
import { ENTITIES } from './entities/index.js';

export type MigrationList = NonNullable<MigrationsOptions['migrationsList']>;

/**
 * MikroORM settings for one database. Migrations are listed explicitly (migrations/index.ts, kept
 * by `npm run migration:create`) so the same list runs from TypeScript in tests and from the build;
 * the composition root hands the list in, so nothing under src/ but it reaches into migrations/.
 */
export function ormConfig(databaseUrl: string, migrations: MigrationList) {
  return defineConfig({
    clientUrl: databaseUrl,
    entities: ENTITIES,
    metadataProvider: ReflectMetadataProvider,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
    debug: false,
    allowGlobalContext: false,
    pool: { min: 0, max: 10, idleTimeoutMillis: 30_000 },
    // Fail fast when PostgreSQL is down or frozen instead of the driver's long default waits.
    driverOptions: POSTGRES_DEADLINES,
    migrations: {
      path: 'migrations',
      pathTs: 'migrations',
      emit: 'ts',
      snapshot: false,
      migrationsList: migrations,
      silent: true,
    },
  });
}
