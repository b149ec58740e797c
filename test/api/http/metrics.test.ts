import { Redis } from 'ioredis';
import { type GoogleProfile, startFakeGoogle } from '../../fakes/oauth/index.js';
import { AUTH_FIELDS, type AuthPayload, PASSWORD, refresh, signIn, signUp, uniqueEmail } from '../../helpers/accounts.js';
import { eventually } from '../../helpers/eventually.js';
import { bearer, errorCode, type GraphQLResponse } from '../../helpers/graphql-client.js';
import { authorizationUrl, envFor, loggedIn, oauthLogin, REDIRECT_URI } from '../../helpers/oauth.js';
import { type PrivatePostgres, startPrivatePostgres } from '../../helpers/private-postgres.js';
import { type RedisServer, startRedisServer } from '../../helpers/redis-server.js';
import { createTestApp, type StoreKind, type TestApp } from '../../helpers/test-app.js';

async function scrape(app: TestApp): Promise<{ status: number; contentType: string | null; text: string }> {
  const response = await fetch(`${app.url}/metrics`);
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

/** The value of one sample line, e.g. `auth_operation_outcomes_total{field="signIn",outcome="ok"}`. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('GET /metrics', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('answers Prometheus text with the process metrics', async () => {
    const { status, contentType, text } = await scrape(app);
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('counts outcomes per root field: a success, a failed sign-in, an unauthenticated me; and times requests by field', async () => {
    const pair = await signUp(app);
    const before = (await scrape(app)).text;
    await signIn(app, pair.user.email!, 'not the password');
    await signIn(app, pair.user.email!, PASSWORD);
    await app.gql('{ me { id } }', undefined, bearer(pair.accessToken));
    await app.gql('{ me { id } }');
    const after = (await scrape(app)).text;
    const grew = (labels: string) => sample(after, 'auth_operation_outcomes_total', labels) - sample(before, 'auth_operation_outcomes_total', labels);
    expect(grew('field="signIn",outcome="INVALID_CREDENTIALS"')).toBe(1);
    expect(grew('field="signIn",outcome="ok"')).toBe(1);
    expect(grew('field="me",outcome="ok"')).toBe(1);
    expect(grew('field="me",outcome="UNAUTHENTICATED"')).toBe(1);
    expect(sample(after, 'auth_graphql_request_duration_seconds_count', 'field="me"')).toBeGreaterThanOrEqual(2);
    // Labels come from the schema, never from the request: no email, no token.
    expect(after).not.toContain(pair.user.email!);
    expect(after).not.toContain(pair.accessToken.slice(0, 20));
  });
});

/** Every sample of one metric, keyed by its label set as printed, e.g. `store="rate-limit counters"`. */
function samples(text: string, name: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    // Label values may hold spaces ("redis session store"): the value follows the closing brace.
    const close = line.lastIndexOf('}');
    found[line.slice(name.length + 1, close)] = Number(line.slice(close + 1));
  }
  return found;
}

/** How much each label set of `name` grew from `before` to `after`; label sets that did not move are left out. */
function growth(before: string, after: string, name: string): Record<string, number> {
  const was = samples(before, name);
  const grew: Record<string, number> = {};
  for (const [labels, value] of Object.entries(samples(after, name))) {
    if (value !== (was[labels] ?? 0)) grew[labels] = value - (was[labels] ?? 0);
  }
  return grew;
}

const STORE_ERRORS = 'auth_store_errors_total';
const AUTH_EVENTS = 'auth_events_total';
const ME = '{ me { id } }';
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { ${AUTH_FIELDS} } }`;
/** A store error can take up to about 2 s to show (the contract's bound); an outage case does a handful. */
const OUTAGE_CASE_MS = 60_000;

/** The response answered SERVICE_UNAVAILABLE and nothing else. */
function expectUnavailable(response: GraphQLResponse<unknown>, what: string): void {
  expect({ what, codes: response.errors?.map((error) => error.extensions?.code) }).toEqual({ what, codes: ['SERVICE_UNAVAILABLE'] });
}

const google = await startFakeGoogle();
afterEach(() => google.reset());
afterAll(() => google.close());

let googleAccounts = 0;
/** A Google account nobody has used yet, with a verified email (`email` to choose it). */
function googleAccount(email?: string): GoogleProfile {
  googleAccounts += 1;
  const sub = String(107_000_000_000_000_000_000n + BigInt(googleAccounts) * 1_000n + BigInt(process.pid % 1_000));
  return { sub, email: email ?? `metrics.g${googleAccounts}.${process.pid}.${Date.now()}@gmail.com`, email_verified: true, name: 'Metrics User' };
}

describe('auth_events_total', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(envFor({ google }));
  });
  afterAll(() => app.close());

  it('counts sign_up, sign_in and sign_in_failed with provider="", and oauth_login with provider="GOOGLE"', async () => {
    const before = (await scrape(app)).text;
    const pair = await signUp(app);
    expect((await signIn(app, pair.user.email!, PASSWORD)).errors).toBeUndefined();
    expect(errorCode(await signIn(app, pair.user.email!, 'not the password'))).toBe('INVALID_CREDENTIALS');
    const profile = googleAccount();
    expect((await loggedIn(app, 'GOOGLE', google, profile)).isNewUser).toBe(true);
    expect((await loggedIn(app, 'GOOGLE', google, profile)).isNewUser).toBe(false);
    const after = (await scrape(app)).text;

    expect(growth(before, after, AUTH_EVENTS)).toEqual({
      'event="sign_up",provider=""': 1,
      'event="sign_in",provider=""': 1,
      'event="sign_in_failed",provider=""': 1,
      'event="oauth_login",provider="GOOGLE"': 2,
    });
    // The exposition a scraper reads: one line per event and provider, the provider label always present.
    expect(after).toMatch(/^auth_events_total\{event="sign_up",provider=""\} [1-9]\d*$/m);
    expect(after).toMatch(/^auth_events_total\{event="oauth_login",provider="GOOGLE"\} [1-9]\d*$/m);
    expect(after).toMatch(/^# TYPE auth_events_total counter$/m);
    // No account data in the labels.
    expect(after).not.toContain(pair.user.email!);
    expect(after).not.toContain(profile.sub);
  });

  it('counts a Google login that links a password account by its verified email as oauth_linked and oauth_login, both GOOGLE', async () => {
    const pair = await signUp(app);
    const before = (await scrape(app)).text;
    const linked = await loggedIn(app, 'GOOGLE', google, googleAccount(pair.user.email!));
    expect(linked).toMatchObject({ isNewUser: false, user: { id: pair.user.id } });
    const after = (await scrape(app)).text;
    expect(growth(before, after, AUTH_EVENTS)).toEqual({ 'event="oauth_linked",provider="GOOGLE"': 1, 'event="oauth_login",provider="GOOGLE"': 1 });
  });

  it('counts nothing for an operation that records no event (a refused oauthLogin, a me)', async () => {
    const pair = await signUp(app);
    const before = (await scrape(app)).text;
    const refused = await oauthLogin(app, { provider: 'GOOGLE', code: 'no-such-code', redirectUri: REDIRECT_URI });
    expect(refused.errors?.[0]?.extensions?.code).toBe('OAUTH_PROVIDER_ERROR');
    expect((await app.gql(ME, undefined, bearer(pair.accessToken))).errors).toBeUndefined();
    expect(growth(before, (await scrape(app)).text, AUTH_EVENTS)).toEqual({});
  });
});

describe('auth_store_errors_total on a healthy gateway', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('counts no store error for successes nor for errors that are not outages', async () => {
    const before = (await scrape(app)).text;
    const pair = await signUp(app);
    expect((await signIn(app, pair.user.email!, PASSWORD)).errors).toBeUndefined();
    expect(errorCode(await signIn(app, pair.user.email!, 'not the password'))).toBe('INVALID_CREDENTIALS');
    expect((await app.gql(ME, undefined, bearer(pair.accessToken))).errors).toBeUndefined();
    expect(errorCode(await app.gql(ME))).toBe('UNAUTHENTICATED');
    expect((await refresh(app, pair.refreshToken)).errors).toBeUndefined();
    expect(errorCode(await refresh(app, `${pair.user.id}.not-a-session.not-a-secret`))).toBe('INVALID_REFRESH_TOKEN');
    const after = (await scrape(app)).text;
    expect(growth(before, after, STORE_ERRORS)).toEqual({});
    expect(samples(after, STORE_ERRORS)).toEqual({});
    // The other counters did move: the scrape saw these requests.
    expect(growth(before, after, 'auth_operation_outcomes_total')).toMatchObject({ 'field="signIn",outcome="INVALID_CREDENTIALS"': 1 });
  });
});

/** A gateway on a redis-server of its own (PostgreSQL: the shared test one), with one signed-up user. */
async function withOwnRedis(env: Record<string, string>, run: (stack: { app: TestApp; redis: RedisServer; user: AuthPayload }) => Promise<void>): Promise<void> {
  const redis = await startRedisServer();
  let app: TestApp | undefined;
  try {
    app = await createTestApp({ REDIS_URL: redis.url, ...env });
    await run({ app, redis, user: await signUp(app) });
  } finally {
    // A frozen process ignores SIGKILL only until it is continued; continue first, always.
    if (redis.process.exitCode === null && redis.process.signalCode === null) redis.process.kill('SIGCONT');
    await app?.close().catch(() => undefined);
    await redis.stop();
  }
}

/** A gateway on a PostgreSQL of its own, sessions in `store` (Redis: the shared test one), with one signed-up user. */
async function withOwnPostgres(store: StoreKind, run: (stack: { app: TestApp; postgres: PrivatePostgres; user: AuthPayload }) => Promise<void>): Promise<void> {
  const postgres = await startPrivatePostgres();
  let app: TestApp | undefined;
  try {
    app = await createTestApp({}, { store, databaseUrl: postgres.url });
    await run({ app, postgres, user: await signUp(app) });
  } finally {
    await postgres.signal('SIGCONT').catch(() => undefined);
    await app?.close().catch(() => undefined);
    await postgres.destroy();
  }
}

/**
 * Asks `me` until it answers SERVICE_UNAVAILABLE, which it does exactly once: an access token's
 * session is answered from memory (successfully) until the change feed notices the outage.
 */
async function meUntilUnavailable(app: TestApp, accessToken: string): Promise<void> {
  const answer = await eventually(() => app.gql(ME, undefined, bearer(accessToken)), (response) => response.errors !== undefined, 5_000);
  expectUnavailable(answer, 'me');
}

describe('auth_store_errors_total with Redis stopped', () => {
  it('counts each operation answered SERVICE_UNAVAILABLE under the store that did not answer: rate-limit counters, redis session store', () =>
    withOwnRedis({}, async ({ app, redis, user }) => {
      const before = (await scrape(app)).text;
      await redis.stop();
      expectUnavailable(await signIn(app, user.user.email!, PASSWORD), 'signIn');
      expectUnavailable(await refresh(app, user.refreshToken), 'refresh');
      expectUnavailable(await app.gql(SIGN_UP, { input: { email: uniqueEmail(), password: PASSWORD, nickname: 'Tester' } }), 'signUp');
      await meUntilUnavailable(app, user.accessToken);
      const after = await scrape(app);
      expect(after.status).toBe(200);
      expect(growth(before, after.text, STORE_ERRORS)).toEqual({ 'store="rate-limit counters"': 3, 'store="redis session store"': 1 });
      expect(after.text).toMatch(/^# TYPE auth_store_errors_total counter$/m);
      expect(after.text).toMatch(/^auth_store_errors_total\{store="rate-limit counters"\} 3$/m);
    }), OUTAGE_CASE_MS);

  it('counts one store error for one operation whose two root fields fail on the same unanswered session lookup', () =>
    withOwnRedis({}, async ({ app, redis, user }) => {
      await redis.stop();
      await meUntilUnavailable(app, user.accessToken);
      const before = (await scrape(app)).text;
      const both = await app.gql('{ me { id } loginState }', undefined, bearer(user.accessToken));
      expect(both.errors?.map((error) => [error.path?.[0], error.extensions?.code])).toEqual([
        ['me', 'SERVICE_UNAVAILABLE'],
        ['loginState', 'SERVICE_UNAVAILABLE'],
      ]);
      expect(growth(before, (await scrape(app)).text, STORE_ERRORS)).toEqual({ 'store="redis session store"': 1 });
    }), OUTAGE_CASE_MS);
});

describe('auth_store_errors_total with Redis frozen (SIGSTOP)', () => {
  it('counts operations that timed out waiting for Redis, by store', () =>
    withOwnRedis({}, async ({ app, redis, user }) => {
      const before = (await scrape(app)).text;
      redis.process.kill('SIGSTOP');
      expectUnavailable(await signIn(app, user.user.email!, PASSWORD), 'signIn');
      await meUntilUnavailable(app, user.accessToken);
      redis.process.kill('SIGCONT');
      expect(growth(before, (await scrape(app)).text, STORE_ERRORS)).toEqual({ 'store="rate-limit counters"': 1, 'store="redis session store"': 1 });
    }), OUTAGE_CASE_MS);
});

describe('auth_store_errors_total with Redis refusing the OAuth state keys', () => {
  // Not an outage: an ACL lets the gateway's connection reach only the rate-limit keys, so the
  // rate limit passes and the state store alone fails; whileReachable counts any Redis error.
  it("counts an oauthAuthorizationUrl whose state Redis would not store under 'redis'", () =>
    withOwnRedis(envFor({ google }), async ({ app, redis }) => {
      const admin = new Redis(redis.url);
      try {
        const before = (await scrape(app)).text;
        await admin.call('ACL', 'SETUSER', 'default', 'resetkeys', `~${app.redisPrefix}rate:*`);
        expectUnavailable(await authorizationUrl(app, 'GOOGLE'), 'oauthAuthorizationUrl');
        expect(growth(before, (await scrape(app)).text, STORE_ERRORS)).toEqual({ 'store="redis"': 1 });
        await admin.call('ACL', 'SETUSER', 'default', 'allkeys');
        expect((await authorizationUrl(app, 'GOOGLE')).errors).toBeUndefined();
      } finally {
        admin.disconnect();
      }
    }), OUTAGE_CASE_MS);
});

describe('auth_store_errors_total with PostgreSQL stopped', () => {
  it("sessions in Redis: counts signIn, signUp, refresh and me under 'database'", () =>
    withOwnPostgres('redis', async ({ app, postgres, user }) => {
      const before = (await scrape(app)).text;
      await postgres.stop();
      expectUnavailable(await signIn(app, user.user.email!, PASSWORD), 'signIn');
      expectUnavailable(await app.gql(SIGN_UP, { input: { email: uniqueEmail(), password: PASSWORD, nickname: 'Tester' } }), 'signUp');
      expectUnavailable(await refresh(app, user.refreshToken), 'refresh');
      await meUntilUnavailable(app, user.accessToken);
      expect(growth(before, (await scrape(app)).text, STORE_ERRORS)).toEqual({ 'store="database"': 4 });
    }), OUTAGE_CASE_MS);

  it("sessions in PostgreSQL: counts signIn and refresh under 'rate-limit counters', me under 'postgres session store'", () =>
    withOwnPostgres('postgres', async ({ app, postgres, user }) => {
      const before = (await scrape(app)).text;
      await postgres.stop();
      expectUnavailable(await signIn(app, user.user.email!, PASSWORD), 'signIn');
      expectUnavailable(await refresh(app, user.refreshToken), 'refresh');
      await meUntilUnavailable(app, user.accessToken);
      expect(growth(before, (await scrape(app)).text, STORE_ERRORS)).toEqual({ 'store="rate-limit counters"': 2, 'store="postgres session store"': 1 });
    }), OUTAGE_CASE_MS);
});
