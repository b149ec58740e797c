import { MikroORM } from '@mikro-orm/postgresql';
import { ormConfig } from '../db/orm-config.js';

export type { MikroORM };

/** Connects to PostgreSQL and applies pending migrations before anything else runs. */
export async function openDatabase(databaseUrl: string): Promise<MikroORM> {
  const orm = await MikroORM.init(ormConfig(databaseUrl));
  try {
    await orm.migrator.up();
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  return orm;
}
