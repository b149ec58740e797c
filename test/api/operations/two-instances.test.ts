import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { type AuthPayload, loginState, refreshed, refresh, sessionIdOf, signUp } from '../../helpers/accounts.js';
import { type GatewayProcess, startGatewayProcess } from '../../helpers/gateway-process.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { type RedisServer, startRedisServer } from '../../helpers/redis-server.js';
import { createTestDatabase } from '../../helpers/test-app.js';

/** Polls `gateway` until the access token reads SESSION_REVOKED; the time that took, or Infinity after 1 s. */
async function revokedWithin(gateway: GatewayProcess, accessToken: string, since: number): Promise<number> {
  while (Date.now() - since <= 1_000) {
    if ((await loginState(gateway, accessToken)) === 'SESSION_REVOKED') return Date.now() - since;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Infinity;
}

/** How many commands of one kind the Redis server has run so far. */
async function commandCount(redis: Redis, command: string): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
}

describe.each(['redis', 'postgres'] as const)('two gateway processes sharing the stores (%s session store)', (store) => {
  let cwd: string;
  let redisServer: RedisServer | undefined;
  let first: GatewayProcess;
  let second: GatewayProcess;

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'auth-gateway-instances-'));
    // A Redis of this file's own, so its command counts are this test's alone.
    redisServer = store === 'redis' ? await startRedisServer() : undefined;
    const env = {
      NODE_ENV: 'test',
      PORT: '0',
      BCRYPT_COST: '4',
      REFRESH_REUSE_GRACE: '0s',
      DATABASE_URL: await createTestDatabase(),
      ...(redisServer && { REDIS_URL: redisServer.url, REDIS_KEY_PREFIX: `test:${randomBytes(4).toString('hex')}:` }),
    };
    // Started together on an empty database: they take turns applying the migrations.
    const started = await Promise.allSettled([startGatewayProcess(cwd, env), startGatewayProcess(cwd, env)]);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) {
      // Stop whichever did start, so no server outlives the test.
      await Promise.all(started.flatMap((result) => (result.status === 'fulfilled' ? [result.value.stop()] : [])));
      throw failed.reason;
    }
    [first, second] = started.map((result) => (result as PromiseFulfilledResult<GatewayProcess>).value) as [GatewayProcess, GatewayProcess];
  }, 60_000);

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await redisServer?.stop();
    await rm(cwd, { recursive: true, force: true });
  });

  /** A session signed in through the first process and known live by the second. */
  async function sessionKnownToBoth(): Promise<AuthPayload> {
    const pair = await signUp(first);
    expect(await loginState(second, pair.accessToken)).toBe('AUTHENTICATED');
    return pair;
  }

  it('refuses, on the second, an access token logged out through the first within one second', async () => {
    const pair = await sessionKnownToBoth();
    const response = await first.gql('mutation { logout }', undefined, bearer(pair.accessToken));
    expect(response.data).toEqual({ logout: true });
    expect(await revokedWithin(second, pair.accessToken, Date.now())).toBeLessThanOrEqual(1_000);
  });

  it('refuses, on the second, the session revoked with revokeSession through the first within one second', async () => {
    const pair = await sessionKnownToBoth();
    const other = await refreshed(first, (await signUp(first)).refreshToken);
    const signedIn = await first.gql<{ signIn: AuthPayload }>('mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }', {
      i: { email: pair.user.email, password: 'correct horse battery' },
    });
    const revoke = await first.gql('mutation($id: ID!) { revokeSession(id: $id) }', { id: sessionIdOf(pair.refreshToken) }, bearer(signedIn.data!.signIn.accessToken));
    expect(revoke.data).toEqual({ revokeSession: true });
    expect(await revokedWithin(second, pair.accessToken, Date.now())).toBeLessThanOrEqual(1_000);
    expect(await loginState(second, other.accessToken)).toBe('AUTHENTICATED');
  });

  it('refuses, on the second, the session that reuse detection revoked on the first within one second', async () => {
    const pair = await sessionKnownToBoth();
    await refreshed(first, pair.refreshToken);
    expect(errorCode(await refresh(first, pair.refreshToken))).toBe('REFRESH_TOKEN_REUSED');
    expect(await revokedWithin(second, pair.accessToken, Date.now())).toBeLessThanOrEqual(1_000);
  });

  if (store === 'redis') {
    it('answers requests with a live session on the second without asking Redis each time', async () => {
      const pair = await sessionKnownToBoth();
      const redis = new Redis(redisServer!.url);
      try {
        const before = await commandCount(redis, 'hgetall');
        for (let i = 0; i < 50; i += 1) expect(await loginState(second, pair.accessToken)).toBe('AUTHENTICATED');
        expect(await commandCount(redis, 'hgetall')).toBe(before);
      } finally {
        redis.disconnect();
      }
    });
  }
});
