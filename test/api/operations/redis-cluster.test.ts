import { Cluster } from 'ioredis';
import { loginState, refresh, refreshed, revokeSession, sessionIdOf, signedIn, signUp } from '../../helpers/accounts.js';
import { withinOneSecond } from '../../helpers/eventually.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { type RedisCluster, startRedisCluster } from '../../helpers/redis-cluster.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

describe('sessions on a Redis Cluster (REDIS_CLUSTER_NODES), two gateway instances', () => {
  let cluster: RedisCluster;
  let first: TestApp;
  let second: TestApp;
  let inspector: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    const env = { REDIS_CLUSTER_NODES: cluster.seeds, MAX_SESSIONS_PER_USER: '2' };
    first = await createTestApp(env);
    second = await createTestApp(env, { databaseUrl: first.databaseUrl, redisPrefix: first.redisPrefix, clock: first.clock });
    inspector = new Cluster(cluster.nodes);
  }, 60_000);

  afterAll(async () => {
    inspector?.disconnect();
    await Promise.all([first?.close(), second?.close()]);
    await cluster?.stop();
  });

  /** The user's session hashes, wherever they are in the cluster. */
  async function sessionKeys(userId: string): Promise<string[]> {
    const perNode = await Promise.all(inspector.nodes('master').map((node) => node.keys(`${first.redisPrefix}session:{${userId}}:*`)));
    return perNode.flat();
  }

  /** The cluster slots that the user's keys (sessions and index) hash to. */
  async function slotsOfUserKeys(userId: string): Promise<Set<number>> {
    const keys = [`${first.redisPrefix}sessions:{${userId}}`, ...(await sessionKeys(userId))];
    expect(keys.length).toBeGreaterThan(1);
    return new Set(await Promise.all(keys.map(async (key) => Number(await inspector.call('CLUSTER', 'KEYSLOT', key)))));
  }

  it('keeps all of one user\'s session keys in one slot, so every script stays atomic', async () => {
    const pair = await signUp(first);
    await signedIn(first, pair.user.email!);
    expect((await slotsOfUserKeys(pair.user.id)).size).toBe(1);
  });

  it('rotates, and gives 20 parallel refreshes with one token the same successor and one session', async () => {
    const pair = await signUp(first);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => refresh(i % 2 ? first : second, pair.refreshToken)));
    const tokens = new Set(answers.map((answer) => answer.data?.refresh.refreshToken));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).not.toBe(pair.refreshToken);
    expect(await sessionKeys(pair.user.id)).toHaveLength(1);
    const next = await refreshed(second, [...tokens][0]!);
    expect(await loginState(first, next.accessToken)).toBe('AUTHENTICATED');
  });

  it('revokes the whole session on reuse, and the other instance refuses its access token within one second', async () => {
    const pair = await signUp(first);
    expect(await loginState(second, pair.accessToken)).toBe('AUTHENTICATED');
    await refreshed(first, pair.refreshToken);
    first.clock.advance(11_000); // past REFRESH_REUSE_GRACE
    expect(errorCode(await refresh(first, pair.refreshToken))).toBe('REFRESH_TOKEN_REUSED');
    expect(await withinOneSecond(() => loginState(second, pair.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
  });

  it('lists, revokes and evicts device sessions, and the other instance sees each revocation', async () => {
    // One second apart on the shared test clock, so "least recently used" names exactly one session.
    const oldest = await signUp(first);
    first.clock.advance(1_000);
    const middle = await signedIn(first, oldest.user.email!);
    expect(await loginState(second, oldest.accessToken)).toBe('AUTHENTICATED');
    first.clock.advance(1_000);
    const newest = await signedIn(first, oldest.user.email!);
    // MAX_SESSIONS_PER_USER is 2: the least recently used session was evicted.
    expect(errorCode(await refresh(first, oldest.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    expect(await withinOneSecond(() => loginState(second, oldest.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');

    expect((await revokeSession(first, newest.accessToken, sessionIdOf(middle.refreshToken))).data).toEqual({ revokeSession: true });
    expect(await withinOneSecond(() => loginState(second, middle.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');

    expect((await second.gql('mutation { logout(allDevices: true) }', undefined, bearer(newest.accessToken))).data).toEqual({ logout: true });
    expect(await withinOneSecond(() => loginState(first, newest.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
  });
});
