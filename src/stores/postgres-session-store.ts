import { raw, TransactionContext } from '@mikro-orm/core';
import pg from 'pg';
import type { MikroORM } from '../db/database.js';
import { POSTGRES_DEADLINES } from '../infra/postgres-deadlines.js';
import { StoredSession } from '../db/entities/index.js';
import type { Retention, SessionRecord, SessionRef, SessionStore, SessionTimes } from './session-store.js';
import { isSessionRef, isUuid } from './ids.js';
import { whileAvailable } from './store-failure.js';

// The reads, the in-place updates and the removals (every refresh, every logout, every access-token
// check past the in-memory liveness) are one prepared statement each on a small pool of the
// store's own: through the ORM, building the query and hydrating an entity cost more CPU than
// PostgreSQL's own work (bench profile, 2026-12-07). A removal made inside a caller's transaction
// runs in that transaction instead (see `removal`). Creation stays on the ORM.
const COLUMNS = 'id, user_id, current_hash, previous_hash, rotated_at, generation, rotation_key, amr, auth_time, created_at, last_used_at, expires_at, user_agent, ip';
const FIND: pg.QueryConfig = { name: 'session-find', text: `select ${COLUMNS} from sessions where id = $1 and user_id = $2` };
// Most recently used first; ties by id, as in Redis.
const LIST: pg.QueryConfig = { name: 'session-list', text: `select ${COLUMNS} from sessions where user_id = $1 order by last_used_at desc, id desc` };
const ROTATE: pg.QueryConfig = {
  name: 'session-rotate',
  text: 'update sessions set previous_hash = $3, current_hash = $4, rotated_at = $5, last_used_at = $5, generation = generation + 1 where id = $1 and user_id = $2 and current_hash = $3',
};
const TOUCH: pg.QueryConfig = { name: 'session-touch', text: 'update sessions set last_used_at = $3 where id = $1 and user_id = $2' };
const DELETE: pg.QueryConfig = { name: 'session-delete', text: 'delete from sessions where id = $1 and user_id = $2 returning created_at, last_used_at' };
const DELETE_FOR_USER: pg.QueryConfig = { name: 'session-delete-for-user', text: 'delete from sessions where user_id = $1 returning id' };

interface SessionRow {
  id: string;
  user_id: string;
  current_hash: string;
  previous_hash: string | null;
  rotated_at: Date | null;
  generation: number;
  rotation_key: string;
  amr: string;
  auth_time: Date | null;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
  user_agent: string | null;
  ip: string | null;
}

/**
 * Sessions in PostgreSQL, for deployments without Redis. Each method is one statement or one
 * transaction. Deleted rows are announced by a database trigger (NOTIFY, see the migrations).
 */
export class PostgresSessionStore implements SessionStore {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;

  constructor(
    private readonly orm: MikroORM,
    databaseUrl: string,
  ) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 4, ...POSTGRES_DEADLINES });
    // A connection lost while idle is replaced on the next query; the query reports the outage.
    this.pool.on('error', () => undefined);
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  create(session: SessionRecord, retention: Retention): Promise<string[]> {
    const { userId, ...fields } = session;
    return this.run((em) =>
      em.transactional(async (tx) => {
        // One session creation per user at a time, so the cap holds under concurrent sign-ins.
        await tx.execute('select 1 from users where id = ? for update', [userId]);
        await tx.insert(StoredSession, {
          ...fields,
          user: userId,
          amr: session.amr.join(' '),
          authTime: new Date(session.authTime),
          rotatedAt: date(session.rotatedAt),
          createdAt: new Date(session.createdAt),
          lastUsedAt: new Date(session.lastUsedAt),
          expiresAt: new Date(session.expiresAt),
        });
        const ended: Array<{ id: string }> = await tx.execute(
          'delete from sessions where user_id = ? and (created_at <= ? or last_used_at <= ?) returning id',
          [userId, new Date(retention.endedIfCreatedBy), new Date(retention.endedIfLastUsedBy)],
        );
        // Beyond the limit, the least recently used go (never the new one; ties by id, as in Redis).
        const evicted: Array<{ id: string }> = await tx.execute(
          `delete from sessions where id in (
             select id from sessions where user_id = ? and id <> ? order by last_used_at desc, id desc offset ?
           ) returning id`,
          [userId, session.id, retention.limit - 1],
        );
        return [...ended, ...evicted].map((row) => row.id);
      }),
    );
  }

  find(ref: SessionRef): Promise<SessionRecord | null> {
    if (!isSessionRef(ref)) return Promise.resolve(null);
    return this.query(async () => {
      const { rows } = await this.pool.query<SessionRow>({ ...FIND, values: [ref.id, ref.userId] });
      return rows[0] ? fromRow(rows[0]) : null;
    });
  }

  listForUser(userId: string): Promise<SessionRecord[]> {
    if (!isUuid(userId)) return Promise.resolve([]);
    return this.query(async () => (await this.pool.query<SessionRow>({ ...LIST, values: [userId] })).rows.map(fromRow));
  }

  rotate(ref: SessionRef, expectedHash: string, nextHash: string, at: number): Promise<boolean> {
    if (!isSessionRef(ref)) return Promise.resolve(false);
    return this.query(async () => (await this.pool.query({ ...ROTATE, values: [ref.id, ref.userId, expectedHash, nextHash, new Date(at)] })).rowCount === 1);
  }

  replace(ref: SessionRef, expectedHash: string, nextHash: string, at: number): Promise<boolean> {
    if (!isSessionRef(ref)) return Promise.resolve(false);
    return this.run(async (em) => {
      const changed = await em.nativeUpdate(
        StoredSession,
        { id: ref.id, user: ref.userId, currentHash: expectedHash },
        { previousHash: null, currentHash: nextHash, rotatedAt: null, lastUsedAt: new Date(at), generation: raw('generation + 1') },
      );
      return changed === 1;
    });
  }

  touch(ref: SessionRef, at: number): Promise<void> {
    if (!isSessionRef(ref)) return Promise.resolve();
    return this.query(async () => {
      await this.pool.query({ ...TOUCH, values: [ref.id, ref.userId, new Date(at)] });
    });
  }

  delete(ref: SessionRef): Promise<SessionTimes | null> {
    if (!isSessionRef(ref)) return Promise.resolve(null);
    return this.query(async () => {
      const [row] = await this.removal<{ created_at: string | Date; last_used_at: string | Date }>(DELETE, [ref.id, ref.userId]);
      return row ? { createdAt: new Date(row.created_at).getTime(), lastUsedAt: new Date(row.last_used_at).getTime() } : null;
    });
  }

  deleteForUser(userId: string): Promise<string[]> {
    if (!isUuid(userId)) return Promise.resolve([]);
    return this.query(async () => (await this.removal<{ id: string }>(DELETE_FOR_USER, [userId])).map((row) => row.id));
  }

  /**
   * Called inside a database transaction (OAuth linking, a password reset or an account deletion
   * ends the account's sessions as part of it), a removal joins that transaction: it commits or
   * rolls back with it, and never waits for a second connection while the first is held.
   * Otherwise it is a prepared statement on the pool. Rows there come as the driver gives them.
   */
  private async removal<R>(statement: pg.QueryConfig, values: unknown[]): Promise<R[]> {
    const transaction = TransactionContext.getEntityManager(this.orm.em.name) as MikroORM['em'] | undefined;
    if (transaction?.isInTransaction()) return transaction.execute(withQuestionMarks(statement.text), values);
    return (await this.pool.query({ ...statement, values })).rows as R[];
  }

  private query<T>(operation: () => Promise<T>): Promise<T> {
    return whileAvailable('postgres session store', operation);
  }

  private run<T>(operation: (em: MikroORM['em']) => Promise<T>): Promise<T> {
    return whileAvailable('postgres session store', () => operation(this.orm.em.fork({ keepTransactionContext: true })));
  }
}

/** The ORM binds `?` in order; every statement here names each `$n` once, in order. */
function withQuestionMarks(text: string): string {
  return text.replace(/\$\d+/g, '?');
}

function wordsOf(text: string): string[] {
  return text === '' ? [] : text.split(' ');
}

function date(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

function fromRow(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    currentHash: row.current_hash,
    previousHash: row.previous_hash,
    rotatedAt: row.rotated_at?.getTime() ?? null,
    generation: row.generation,
    rotationKey: row.rotation_key,
    amr: wordsOf(row.amr),
    authTime: (row.auth_time ?? row.created_at).getTime(),
    createdAt: row.created_at.getTime(),
    lastUsedAt: row.last_used_at.getTime(),
    expiresAt: row.expires_at.getTime(),
    userAgent: row.user_agent,
    ip: row.ip,
  };
}

