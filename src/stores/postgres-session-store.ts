import { raw } from '@mikro-orm/core';
import type { MikroORM } from '../db/database.js';
import { StoredSession } from '../db/entities/index.js';
import type { Retention, SessionRecord, SessionRef, SessionStore, SessionTimes } from './session-store.js';
import { isSessionRef, isUuid } from './ids.js';
import { whileAvailable } from './store-failure.js';

/**
 * Sessions in PostgreSQL, for deployments without Redis. Each method is one statement or one
 * transaction. Deleted rows are announced by a database trigger (NOTIFY, see the migrations).
 */
export class PostgresSessionStore implements SessionStore {
  readonly kind = 'postgres';

  constructor(private readonly orm: MikroORM) {}

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
    return this.run(async (em) => {
      const row = await em.findOne(StoredSession, { id: ref.id, user: ref.userId }, { disableIdentityMap: true });
      return row && toRecord(row);
    });
  }

  listForUser(userId: string): Promise<SessionRecord[]> {
    if (!isUuid(userId)) return Promise.resolve([]);
    return this.run(async (em) => {
      const rows = await em.find(StoredSession, { user: userId }, { orderBy: { lastUsedAt: 'desc', id: 'desc' }, disableIdentityMap: true });
      return rows.map(toRecord);
    });
  }

  rotate(ref: SessionRef, expectedHash: string, nextHash: string, at: number): Promise<boolean> {
    if (!isSessionRef(ref)) return Promise.resolve(false);
    return this.run(async (em) => {
      const when = new Date(at);
      const changed = await em.nativeUpdate(
        StoredSession,
        { id: ref.id, user: ref.userId, currentHash: expectedHash },
        { previousHash: expectedHash, currentHash: nextHash, rotatedAt: when, lastUsedAt: when, generation: raw('generation + 1') },
      );
      return changed === 1;
    });
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
    return this.run(async (em) => {
      await em.nativeUpdate(StoredSession, { id: ref.id, user: ref.userId }, { lastUsedAt: new Date(at) });
    });
  }

  delete(ref: SessionRef): Promise<SessionTimes | null> {
    if (!isSessionRef(ref)) return Promise.resolve(null);
    return this.run(async (em) => {
      // A raw row is not hydrated: its timestamps come as the driver gives them.
      const [row]: Array<{ created_at: string | Date; last_used_at: string | Date }> = await em.execute(
        'delete from sessions where id = ? and user_id = ? returning created_at, last_used_at',
        [ref.id, ref.userId],
      );
      return row ? { createdAt: new Date(row.created_at).getTime(), lastUsedAt: new Date(row.last_used_at).getTime() } : null;
    });
  }

  deleteForUser(userId: string): Promise<string[]> {
    if (!isUuid(userId)) return Promise.resolve([]);
    return this.run(async (em) => {
      const rows: Array<{ id: string }> = await em.execute('delete from sessions where user_id = ? returning id', [userId]);
      return rows.map((row) => row.id);
    });
  }

  /**
   * Called inside a database transaction (OAuth linking ends the account's sessions as part of
   * it), an operation joins that transaction: it commits or rolls back with it, and never waits
   * for a second pooled connection while the first is held.
   */
  private run<T>(operation: (em: MikroORM['em']) => Promise<T>): Promise<T> {
    return whileAvailable('postgres session store', () => operation(this.orm.em.fork({ keepTransactionContext: true })));
  }
}


function wordsOf(text: string): string[] {
  return text === '' ? [] : text.split(' ');
}

function date(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

function toRecord(row: StoredSession): SessionRecord {
  return {
    id: row.id,
    userId: row.user.id,
    currentHash: row.currentHash,
    previousHash: row.previousHash,
    rotatedAt: row.rotatedAt?.getTime() ?? null,
    generation: row.generation,
    rotationKey: row.rotationKey,
    amr: wordsOf(row.amr),
    authTime: (row.authTime ?? row.createdAt).getTime(),
    createdAt: row.createdAt.getTime(),
    lastUsedAt: row.lastUsedAt.getTime(),
    expiresAt: row.expiresAt.getTime(),
    userAgent: row.userAgent,
    ip: row.ip,
  };
}
