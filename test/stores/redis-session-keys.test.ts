import { randomUUID } from 'node:crypto';
import { closeRedis, connectRedis, type RedisClient } from '../../src/infra/redis.js';
import { RedisSessionStore } from '../../src/stores/redis-session-store.js';
import type { SessionRecord } from '../../src/stores/session-store.js';
import { KEEP_ALL, refOf, retention, session, sleep, uniquePrefix } from './backends.js';

// How the Redis store lays out its keys: what an operator sees, and what keeps a user's keys in one
// cluster slot and every key bounded in time.
describe('RedisSessionStore keys', () => {
  let client: RedisClient;
  let prefix: string;
  let store: RedisSessionStore;
  let userId: string;
  beforeAll(async () => {
    client = await connectRedis({ kind: 'server', url: process.env.TEST_REDIS_URL! });
  });
  beforeEach(() => {
    prefix = uniquePrefix();
    store = new RedisSessionStore(client, prefix);
    userId = randomUUID();
  });
  afterAll(() => client && closeRedis(client));

  const sessionKey = (record: Pick<SessionRecord, 'userId' | 'id'>) => `${prefix}session:{${record.userId}}:${record.id}`;
  const indexKey = (user: string) => `${prefix}sessions:{${user}}`;
  const keys = async () => (await client.keys(`${prefix}*`)).sort();
  const pexpiretime = async (key: string) => Number(await client.call('PEXPIRETIME', key));
  /** The index as [id, score] pairs, lowest score first. */
  async function index(user = userId): Promise<Array<[string, number]>> {
    const members = await client.zrange(indexKey(user), '0', '-1');
    return Promise.all(members.map(async (id) => [id, Number(await client.zscore(indexKey(user), id))] as [string, number]));
  }

  it("keeps each session in a hash tagged with its user's id, indexed in the user's sorted set by lastUsedAt", async () => {
    const base = Date.now() - 60_000;
    const [first, second] = [session(userId, { createdAt: base }), session(userId, { createdAt: base + 1 })];
    await store.create(first, KEEP_ALL);
    await store.create(second, KEEP_ALL);
    await store.rotate(refOf(first), first.currentHash, 'next', base + 10);
    await store.touch(refOf(second), base + 20);
    expect(await keys()).toEqual([sessionKey(first), sessionKey(second), indexKey(userId)].sort());
    expect(await client.type(sessionKey(first))).toBe('hash');
    expect(await client.type(indexKey(userId))).toBe('zset');
    expect(await index()).toEqual([
      [first.id, base + 10],
      [second.id, base + 20],
    ]);
  });

  it('gives every key a TTL: a session hash expires at its expiresAt, the index no earlier than its latest session', async () => {
    const now = Date.now();
    const [later, sooner, third] = [session(userId, { expiresAt: now + 7_200_000 }), session(userId, { expiresAt: now + 3_600_000 }), session(userId)];
    for (const record of [later, sooner, third]) await store.create(record, KEEP_ALL);
    await store.rotate(refOf(sooner), sooner.currentHash, 'next', now + 1);
    await store.touch(refOf(later), now + 2);
    await store.delete(refOf(third));
    const last = session(userId, { createdAt: now + 3, expiresAt: now + 1_800_000 });
    expect(await store.create(last, retention({ limit: 2 }))).toEqual([sooner.id]);
    const written = await keys();
    expect(written).toEqual([sessionKey(later), sessionKey(last), indexKey(userId)].sort());
    for (const key of written) expect(await client.pttl(key)).toBeGreaterThan(0);
    expect(await pexpiretime(sessionKey(later))).toBe(later.expiresAt);
    expect(await pexpiretime(sessionKey(last))).toBe(last.expiresAt);
    expect(await pexpiretime(indexKey(userId))).toBeGreaterThanOrEqual(later.expiresAt);
  });

  it("writes no key when rotating, touching or deleting a missing session, or with another user's id", async () => {
    const created = session(userId);
    await store.create(created, KEEP_ALL);
    const before = await keys();
    for (const ref of [{ userId, id: randomUUID() }, { userId: randomUUID(), id: created.id }]) {
      await store.rotate(ref, created.currentHash, 'next', Date.now());
      await store.touch(ref, Date.now());
      await store.delete(ref);
    }
    expect(await keys()).toEqual(before);
    expect(await index()).toEqual([[created.id, created.lastUsedAt]]);
  });

  it('leaves no key once the last session is deleted, or after deleteForUser', async () => {
    const only = session(userId);
    await store.create(only, KEEP_ALL);
    await store.delete(refOf(only));
    expect(await keys()).toEqual([]);
    for (let i = 0; i < 3; i++) await store.create(session(userId), KEEP_ALL);
    await store.deleteForUser(userId);
    expect(await keys()).toEqual([]);
  });

  describe('a session whose hash has expired', () => {
    let expired: SessionRecord;
    beforeEach(async () => {
      expired = session(userId, { createdAt: Date.now() - 1_000, expiresAt: Date.now() + 20 });
      await store.create(expired, KEEP_ALL);
      await sleep(60);
    });

    it('is dropped from the index by the next create, neither counted toward the limit nor reported', async () => {
      const next = session(userId);
      expect(await store.create(next, retention({ limit: 1 }))).toEqual([]);
      expect(await index()).toEqual([[next.id, next.lastUsedAt]]);
      expect(await store.listForUser(userId)).toEqual([next]);
    });

    it('is dropped from the index by listForUser', async () => {
      expect(await store.listForUser(userId)).toEqual([]);
      expect(await keys()).toEqual([]);
    });
  });
});
