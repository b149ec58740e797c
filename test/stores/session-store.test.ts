import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { User } from '../../src/db/entities/index.js';
import { AuthError } from '../../src/errors/auth-error.js';
import { startEmbeddedPostgres } from '../../src/infra/embedded-postgres.js';
import { type MikroORM, openDatabase } from '../../src/infra/orm.js';
import { randomSecret, sha256 } from '../../src/infra/random.js';
import { connectRedis, type Redis } from '../../src/infra/redis.js';
import { PostgresSessionStore } from '../../src/stores/postgres-session-store.js';
import { RedisSessionStore } from '../../src/stores/redis-session-store.js';
import type { SessionRecord, SessionStore } from '../../src/stores/session-store.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { createTestDatabase } from '../helpers/test-app.js';

interface Harness {
  store: SessionStore;
  /** A user id that sessions may reference. */
  makeUser(): Promise<string>;
  close(): Promise<void>;
}

interface Backend {
  open(): Promise<Harness>;
  /** A store whose backing service was up and has gone away. */
  openBroken(): Promise<{ store: SessionStore; close(): Promise<void> }>;
}

const uniquePrefix = () => `test:${randomBytes(4).toString('hex')}:`;

const redisBackend: Backend = {
  async open() {
    const client = await connectRedis(process.env.TEST_REDIS_URL!);
    return { store: new RedisSessionStore(client, uniquePrefix()), makeUser: async () => randomUUID(), close: async () => void (await client.quit()) };
  },
  async openBroken() {
    const server = await startRedisServer();
    const client = await connectRedis(server.url);
    await server.stop();
    return { store: new RedisSessionStore(client, uniquePrefix()), close: async () => client.disconnect() };
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

const postgresBackend: Backend = {
  async open() {
    const orm = await openDatabase(await createTestDatabase());
    return { store: new PostgresSessionStore(orm), makeUser: userMaker(orm), close: () => orm.close(true) };
  },
  async openBroken() {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'session-store-outage-'));
    const server = await startEmbeddedPostgres(dataDir, () => undefined);
    const orm = await openDatabase(server.url);
    const store = new PostgresSessionStore(orm);
    await store.find(randomUUID()); // the pool has a live connection when the server goes
    await server.stop();
    return {
      store,
      close: async () => {
        await orm.close(true);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
};

function session(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    id: randomUUID(),
    userId,
    currentHash: sha256(randomSecret()),
    previousHash: null,
    rotatedAt: null,
    generation: 0,
    rotationKey: randomSecret(),
    createdAt: now,
    lastUsedAt: now,
    expiresAt: now + 14 * 86_400_000,
    userAgent: null,
    ip: null,
    ...overrides,
  };
}

describe.each([
  ['RedisSessionStore', redisBackend],
  ['PostgresSessionStore', postgresBackend],
])('%s', (_name, backend) => {
  let harness: Harness;
  let store: SessionStore;
  let userId: string;
  beforeAll(async () => {
    harness = await backend.open();
    store = harness.store;
  });
  beforeEach(async () => {
    userId = await harness.makeUser();
  });
  afterAll(() => harness?.close());

  it.each([
    ['with every optional field null', {}],
    ['with every field set', { previousHash: sha256('old'), rotatedAt: Date.now() - 5_000, generation: 7, userAgent: 'Mozilla/5.0 (X11) 한글', ip: '2001:db8::1' }],
  ])('finds a created session %s as an equal record', async (_case, overrides) => {
    const created = session(userId, overrides);
    await store.create(created);
    expect(await store.find(created.id)).toEqual(created);
  });

  it('finds nothing for an unknown id', async () => {
    expect(await store.find(randomUUID())).toBeNull();
  });

  it('treats an id that is not a UUID (client input, say) as unknown', async () => {
    expect(await store.find('not-a-session-id')).toBeNull();
    expect(await store.delete('not-a-session-id')).toBe(false);
  });

  it('rotates with the live hash: the next hash goes live, the old one becomes previous, the generation counts, both times recorded', async () => {
    const created = session(userId);
    await store.create(created);
    const at = created.createdAt + 60_000;
    expect(await store.rotate(created.id, created.currentHash, 'next-hash', at)).toBe(true);
    expect(await store.find(created.id)).toEqual({ ...created, currentHash: 'next-hash', previousHash: created.currentHash, rotatedAt: at, lastUsedAt: at, generation: 1 });
  });

  it('refuses to rotate with a stale hash and changes nothing', async () => {
    const created = session(userId);
    await store.create(created);
    await store.rotate(created.id, created.currentHash, 'second', created.createdAt + 1_000);
    const before = await store.find(created.id);
    expect(await store.rotate(created.id, created.currentHash, 'forked', created.createdAt + 2_000)).toBe(false);
    expect(await store.find(created.id)).toEqual(before);
  });

  it('refuses to rotate a session that does not exist, without creating it', async () => {
    const id = randomUUID();
    expect(await store.rotate(id, 'any', 'next', Date.now())).toBe(false);
    expect(await store.find(id)).toBeNull();
  });

  it('lets exactly one of 20 parallel rotations with the same expected hash win', async () => {
    const created = session(userId);
    await store.create(created);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.rotate(created.id, created.currentHash, `next-${i}`, created.createdAt + 1_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const after = await store.find(created.id);
    expect(after?.currentHash).toBe(`next-${results.indexOf(true)}`);
    expect(after?.previousHash).toBe(created.currentHash);
  });

  it('touch records the time of use and nothing else', async () => {
    const created = session(userId);
    await store.create(created);
    await store.touch(created.id, created.createdAt + 30_000);
    expect(await store.find(created.id)).toEqual({ ...created, lastUsedAt: created.createdAt + 30_000 });
  });

  it('touch does nothing for a missing session', async () => {
    const id = randomUUID();
    await store.touch(id, Date.now());
    expect(await store.find(id)).toBeNull();
  });

  it('deletes a session once: true, then false, and it is gone', async () => {
    const created = session(userId);
    await store.create(created);
    expect(await store.delete(created.id)).toBe(true);
    expect(await store.delete(created.id)).toBe(false);
    expect(await store.find(created.id)).toBeNull();
  });

  it("deleteForUser removes all of the user's sessions, counts them and leaves other users' sessions", async () => {
    const otherUser = await harness.makeUser();
    const mine = [session(userId), session(userId), session(userId)];
    const theirs = session(otherUser);
    for (const record of [...mine, theirs]) await store.create(record);
    expect(await store.deleteForUser(userId)).toBe(3);
    for (const record of mine) expect(await store.find(record.id)).toBeNull();
    expect(await store.find(theirs.id)).toEqual(theirs);
    expect(await store.deleteForUser(userId)).toBe(0);
  });

  it('answers SERVICE_UNAVAILABLE within 2 s when its backend is down', async () => {
    const broken = await backend.openBroken();
    try {
      const started = Date.now();
      const failure = await broken.store.find(randomUUID()).then(
        () => new Error('find succeeded'),
        (error: unknown) => error,
      );
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(failure).toBeInstanceOf(AuthError);
      expect((failure as AuthError).extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
    } finally {
      await broken.close();
    }
  }, 60_000);
});

describe('RedisSessionStore keys', () => {
  let client: Redis;
  beforeAll(async () => {
    client = await connectRedis(process.env.TEST_REDIS_URL!);
  });
  afterAll(() => client?.quit());

  async function ttls(prefix: string): Promise<Map<string, number>> {
    const keys = await client.keys(`${prefix}*`);
    return new Map(await Promise.all(keys.map(async (key) => [key, await client.pttl(key)] as const)));
  }

  it('gives every key it writes a TTL', async () => {
    const prefix = uniquePrefix();
    const store = new RedisSessionStore(client, prefix);
    const userId = randomUUID();
    const [first, second] = [session(userId), session(userId)];
    await store.create(first);
    await store.create(second);
    await store.rotate(first.id, first.currentHash, 'next', Date.now());
    await store.touch(first.id, Date.now());
    await store.delete(second.id);
    const keys = await ttls(prefix);
    expect(keys.size).toBeGreaterThan(0);
    expect([...keys].filter(([, ttl]) => ttl <= 0)).toEqual([]);
  });

  it("keeps the user's session set at least as long as the latest session in it", async () => {
    const prefix = uniquePrefix();
    const store = new RedisSessionStore(client, prefix);
    const userId = randomUUID();
    const now = Date.now();
    const later = session(userId, { expiresAt: now + 7_200_000 });
    await store.create(later);
    await store.create(session(userId, { expiresAt: now + 3_600_000 }));
    const keys = await client.keys(`${prefix}*`);
    const types = await Promise.all(keys.map((key) => client.type(key)));
    const setKeys = keys.filter((_, i) => types[i] === 'set');
    expect(setKeys).toHaveLength(1);
    expect(Number(await client.call('PEXPIRETIME', setKeys[0]!))).toBeGreaterThanOrEqual(later.expiresAt);
  });

  it('touch of a missing session writes no key', async () => {
    const prefix = uniquePrefix();
    await new RedisSessionStore(client, prefix).touch(randomUUID(), Date.now());
    expect(await client.keys(`${prefix}*`)).toEqual([]);
  });
});
