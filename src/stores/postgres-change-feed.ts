import pg from 'pg';
import { CHANGE_CHANNEL } from '../db/change-trigger.js';
import type { Logger } from '../infra/logger.js';
import { ListeningConnection } from './change-feed.js';

/**
 * Revocations announced by PostgreSQL: triggers NOTIFY when a session row or a user row is
 * deleted, in the same transaction (db/change-trigger.ts). Heard on one dedicated LISTEN
 * connection, outside the ORM's pool.
 */
export class PostgresChangeFeed extends ListeningConnection<pg.Client> {
  constructor(private readonly databaseUrl: string, logger: Logger) {
    super('postgres', logger);
  }

  protected create(_attempt: number, deliver: (message: string) => void): pg.Client {
    const client = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 1_500, query_timeout: 1_000 });
    client.on('notification', (note) => {
      if (note.channel === CHANGE_CHANNEL && note.payload) deliver(note.payload);
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    return client;
  }

  protected async subscribe(client: pg.Client): Promise<void> {
    await client.connect();
    await client.query(`listen ${CHANGE_CHANNEL}`);
  }

  protected probe(client: pg.Client): Promise<unknown> {
    return client.query('select 1');
  }

  protected dispose(client: pg.Client): Promise<void> {
    return client.end();
  }
}
