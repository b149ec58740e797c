import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RedisLocation } from '../../src/config/config.js';
import { User } from '../../src/db/entities/index.js';
import { startEmbeddedPostgres } from '../../src/infra/embedded-postgres.js';
import { createLogger } from '../../src/infra/logger.js';
import { type MikroORM, openDatabase } from '../../src/db/database.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { randomSecret, sha256 } from '../../src/infra/random.js';
import { closeRedis, connectRedis } from '../../src/infra/redis.js';
import { PostgresChangeFeed } from '../../src/stores/postgres-change-feed.js';
import { PostgresSessionStore } from '../../src/stores/postgres-session-store.js';
import { RedisChangeFeed } from '../../src/stores/redis-change-feed.js';
import { RedisSessionStore } from '../../src/stores/redis-session-store.js';
import type { ChangeFeed, ChangeListener } from '../../src/stores/change-feed.js';
import type { Retention, SessionRecord, SessionStore } from '../../src/stores/session-store.js';
import { startRedisCluster } from '../helpers/redis-cluster.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { createTestDatabase } from '../helpers/test-app.js';

/** One opened store and what a test needs around it. */
export interface Harness {
  store: SessionStore;
  /** A user id that sessions may reference. */
  makeUser(): Promise<string>;
  /** A new, not yet started feed that hears this store's announcements. */
  feed(): ChangeFeed;
  /** Deletes the user's row with plain SQL (PostgreSQL only: Redis has no users). */
  deleteUserRow?(userId: string): Promise<void>;
  /** Runs one statement of plain SQL, `?` for each parameter (PostgreSQL only). */
  sql?(text: string, params?: unknown[]): Promise<void>;
  /** Runs `work` inside a database transaction of the caller's, then commits or (`rollBack`) rolls it back (PostgreSQL only). */
  inTransaction?(work: () => Promise<void>, outcome: 'commit' | 'rollBack'): Promise<void>;
  close(): Promise<void>;
}

export interface Backend {
  readonly name: string;
  readonly kind: SessionStore['kind'];
  open(): Promise<Harness>;
  /** A store whose backing service was up and has gone away. */
  openBroken(): Promise<{ store: SessionStore; close(): Promise<void> }>;
}

/** Opening a backend may start a Redis Cluster (2–10 s): the beforeAll that opens one needs this. */
export const OPEN_TIMEOUT_MS = 60_000;

export const uniquePrefix = () => `test:${randomBytes(4).toString('hex')}:`;

/** Feeds log their state changes; these tests assert on what the listener hears instead. */
export const silentLogger = createLogger('silent');

async function openRedis(location: RedisLocation, stop: () => Promise<void> = async () => undefined): Promise<Harness> {
  const client = await connectRedis(location);
  const store = new RedisSessionStore(client, uniquePrefix());
  return {
    store,
    makeUser: async () => randomUUID(),
    feed: () => new RedisChangeFeed(location, store.revocationChannel, silentLogger),
    close: async () => {
      await closeRedis(client);
      await stop();
    },
  };
}

/** Connects while the service is up (so the client has been ready once), then takes the service away. */
async function brokenRedis(location: RedisLocation, stop: () => Promise<void>) {
  const client = await connectRedis(location).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  const store = new RedisSessionStore(client, uniquePrefix());
  try {
    await store.find({ userId: randomUUID(), id: randomUUID() });
  } finally {
    await stop();
  }
  return { store, close: () => closeRedis(client) };
}

export const redisBackend: Backend = {
  name: 'RedisSessionStore',
  kind: 'redis',
  open: () => openRedis({ kind: 'server', url: process.env.TEST_REDIS_URL! }),
  async openBroken() {
    const server = await startRedisServer();
    return brokenRedis({ kind: 'server', url: server.url }, () => server.stop());
  },
};

export const redisClusterBackend: Backend = {
  name: 'RedisSessionStore on a Redis Cluster',
  kind: 'redis',
  async open() {
    const cluster = await startRedisCluster();
    try {
      return await openRedis({ kind: 'cluster', nodes: cluster.nodes }, () => cluster.stop());
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  },
  async openBroken() {
    const cluster = await startRedisCluster();
    return brokenRedis({ kind: 'cluster', nodes: cluster.nodes }, () => cluster.stop());
  },
};

function userMaker(orm: MikroORM) {
  return async () => {
    const id = randomUUID();
    const now = new Date();
    await orm.em.fork().insert(User, { id, email: null, emailVerified: false, passwordHash: null, nickname: 'Store test', createdAt: now, updatedAt: now });
    return id;
  };
}

export const postgresBackend: Backend = {
  name: 'PostgresSessionStore',
  kind: 'postgres',
  async open() {
    const databaseUrl = await createTestDatabase();
    const orm = await openDatabase(databaseUrl, MIGRATIONS);
    const store = new PostgresSessionStore(orm, databaseUrl);
    return {
      store,
      makeUser: userMaker(orm),
      feed: () => new PostgresChangeFeed(databaseUrl, silentLogger),
      deleteUserRow: async (userId) => void (await orm.em.fork().execute('delete from users where id = ?', [userId])),
      sql: async (text, params = []) => void (await orm.em.fork().execute(text, params)),
      inTransaction: async (work, outcome) => {
        const rolledBack = new Error('rolled back on purpose');
        await orm.em
          .fork()
          .transactional(async () => {
            await work();
            if (outcome === 'rollBack') throw rolledBack;
          })
          .catch((error: unknown) => {
            if (error !== rolledBack) throw error;
          });
      },
      close: async () => {
        await store.close();
        await orm.close(true);
      },
    };
  },
  async openBroken() {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'session-store-outage-'));
    const server = await startEmbeddedPostgres(dataDir, () => undefined);
    const orm = await openDatabase(server.url, MIGRATIONS);
    const store = new PostgresSessionStore(orm, server.url);
    await store.find({ userId: randomUUID(), id: randomUUID() }); // the pool has a live connection when the server goes
    await server.stop();
    return {
      store,
      close: async () => {
        await store.close();
        await orm.close(true);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
};

export const allBackends = [redisBackend, postgresBackend, redisClusterBackend].map((backend) => [backend.name, backend] as const);

/** A session of `userId` created now (or at `overrides.createdAt`), living 14 days. */
export function session(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = overrides.createdAt ?? Date.now();
  return {
    id: randomUUID(),
    userId,
    currentHash: sha256(randomSecret()),
    previousHash: null,
    rotatedAt: null,
    generation: 0,
    rotationKey: randomSecret(),
    amr: ['pwd', 'otp', 'mfa'],
    authTime: now - 1_000,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: now + 14 * 86_400_000,
    userAgent: null,
    ip: null,
    ...overrides,
  };
}

export const refOf = ({ userId, id }: SessionRecord) => ({ userId, id });

/** Keeps up to `limit` sessions (50: more than any test creates) and ends none by age. */
export function retention(overrides: Partial<Retention> = {}): Retention {
  return { limit: 50, endedIfCreatedBy: 0, endedIfLastUsedBy: 0, ...overrides };
}

/** For creations that must remove nothing. */
export const KEEP_ALL = retention();

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls every 20 ms until `done` holds or `ms` have passed; the caller asserts afterwards. */
export async function until(done: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await sleep(20);
}

/** Everything a feed reported, in order. */
export class RecordingListener implements ChangeListener {
  ended: string[] = [];
  deletedUsers: string[] = [];
  changedUsers: string[] = [];
  keyChanges = 0;
  readonly states: Array<'listening' | 'deaf'> = [];

  sessionsEnded(sessionIds: string[]): void {
    this.ended.push(...sessionIds);
  }
  userDeleted(userId: string): void {
    this.deletedUsers.push(userId);
  }
  userChanged(userId: string): void {
    this.changedUsers.push(userId);
  }
  keysChanged(): void {
    this.keyChanges += 1;
  }
  listening(): void {
    this.states.push('listening');
  }
  deaf(): void {
    this.states.push('deaf');
  }
  get state(): 'listening' | 'deaf' | undefined {
    return this.states.at(-1);
  }
}

/** Starts `feed` and resolves once it reports `listening` (rejects after `ms`). */
export async function startListening(feed: ChangeFeed, listener: RecordingListener, ms = 5_000): Promise<void> {
  feed.start(listener);
  await until(() => listener.state === 'listening', ms);
  if (listener.state !== 'listening') throw new Error(`feed did not report listening within ${ms} ms (states: ${listener.states.join(', ') || 'none'})`);
}
