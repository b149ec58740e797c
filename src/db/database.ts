import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { type MigrationList, ormConfig } from './orm-config.js';

export type { MikroORM };

/**
 * Connects to PostgreSQL and applies pending migrations before anything else runs. Instances
 * starting together take turns (an advisory lock held on a connection of its own), so only the
 * first applies a migration and the others find nothing pending.
 */
export async function openDatabase(databaseUrl: string, migrations: MigrationList): Promise<MikroORM> {
  const orm = await MikroORM.init(ormConfig(databaseUrl, migrations));
  const lock = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  try {
    await lock.connect();
    await lock.query("select pg_advisory_lock(hashtext('auth-gateway:migrations'))");
    await orm.migrator.up();
  } catch (error) {
    await orm.close(true);
    throw error;
  } finally {
    // Ending the session releases the lock.
    await lock.end().catch(() => undefined);
  }
  return orm;
}
