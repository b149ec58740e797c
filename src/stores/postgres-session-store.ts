import { raw } from '@mikro-orm/core';
import type { MikroORM } from '../infra/orm.js';
import { StoredSession } from '../db/entities/index.js';
import type { SessionRecord, SessionStore } from './session-store.js';
import { isUuid } from './ids.js';
import { whileAvailable } from './store-failure.js';

/** Sessions in PostgreSQL, for deployments without Redis. Each method is one SQL statement. */
export class PostgresSessionStore implements SessionStore {
  readonly kind = 'postgres';

  constructor(private readonly orm: MikroORM) {}

  create(session: SessionRecord): Promise<void> {
    const { userId, ...fields } = session;
    return this.run(async (em) => {
      await em.insert(StoredSession, {
        ...fields,
        user: userId,
        rotatedAt: date(session.rotatedAt),
        createdAt: new Date(session.createdAt),
        lastUsedAt: new Date(session.lastUsedAt),
        expiresAt: new Date(session.expiresAt),
      });
    });
  }

  find(id: string): Promise<SessionRecord | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.run(async (em) => {
      const row = await em.findOne(StoredSession, { id }, { disableIdentityMap: true });
      return row && toRecord(row);
    });
  }

  rotate(id: string, expectedHash: string, nextHash: string, at: number): Promise<boolean> {
    if (!isUuid(id)) return Promise.resolve(false);
    return this.run(async (em) => {
      const when = new Date(at);
      const changed = await em.nativeUpdate(
        StoredSession,
        { id, currentHash: expectedHash },
        { previousHash: expectedHash, currentHash: nextHash, rotatedAt: when, lastUsedAt: when, generation: raw('generation + 1') },
      );
      return changed === 1;
    });
  }

  touch(id: string, at: number): Promise<void> {
    if (!isUuid(id)) return Promise.resolve();
    return this.run(async (em) => {
      await em.nativeUpdate(StoredSession, { id }, { lastUsedAt: new Date(at) });
    });
  }

  delete(id: string): Promise<boolean> {
    if (!isUuid(id)) return Promise.resolve(false);
    return this.run(async (em) => (await em.nativeDelete(StoredSession, { id })) === 1);
  }

  deleteForUser(userId: string): Promise<number> {
    if (!isUuid(userId)) return Promise.resolve(0);
    return this.run((em) => em.nativeDelete(StoredSession, { user: userId }));
  }

  private run<T>(operation: (em: MikroORM['em']) => Promise<T>): Promise<T> {
    return whileAvailable('postgres session store', () => operation(this.orm.em.fork()));
  }
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
    createdAt: row.createdAt.getTime(),
    lastUsedAt: row.lastUsedAt.getTime(),
    expiresAt: row.expiresAt.getTime(),
    userAgent: row.userAgent,
    ip: row.ip,
  };
}
