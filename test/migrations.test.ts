import { MikroORM } from '@mikro-orm/postgresql';
import { MIGRATIONS } from '../migrations/index.js';
import { ormConfig } from '../src/db/orm-config.js';
import { openDatabase } from '../src/db/database.js';
import { createTestDatabase } from './helpers/test-app.js';

describe('migrations', () => {
  it('bring an empty database to exactly the schema the entities describe (else: npm run migration:create)', async () => {
    const orm = await openDatabase(await createTestDatabase(), MIGRATIONS);
    try {
      expect(await orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe('');
      expect(await orm.migrator.getPending()).toEqual([]);
    } finally {
      await orm.close(true);
    }
  });

  it('are applied at start-up and not again on the next start', async () => {
    const url = await createTestDatabase();
    await (await openDatabase(url, MIGRATIONS)).close(true);
    const orm = await MikroORM.init(ormConfig(url, MIGRATIONS));
    try {
      const executed = await orm.migrator.getExecuted();
      expect(executed.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
      await orm.migrator.up();
      expect(await orm.migrator.getExecuted()).toHaveLength(MIGRATIONS.length);
    } finally {
      await orm.close(true);
    }
  });
});
