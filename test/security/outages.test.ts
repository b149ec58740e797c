import { AUTH_FIELDS, type AuthPayload, PASSWORD, signUp } from '../helpers/accounts.js';
import { bearer, type GraphQLResponse } from '../helpers/graphql-client.js';
import { type PrivatePostgres, startPrivatePostgres } from '../helpers/private-postgres.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The contract's bounded waits: with Redis or PostgreSQL down or frozen, an operation that needs it
 * answers SERVICE_UNAVAILABLE within 2 s (HTTP 200, never a 500 or a hang), /readyz turns 503 within
 * 5 s naming the store, and service comes back by itself within 5 s of the store's return.
 * Every case runs its own redis-server and its own embedded PostgreSQL, so stopping or freezing
 * them disturbs no other test.
 */

/** Each case starts a redis-server and a PostgreSQL cluster and waits through an outage. */
const CASE_TIMEOUT_MS = 60_000;

const ANSWER_MS = 2_000;
const READY_MS = 5_000;
const RECOVERY_MS = 5_000;

interface Stack {
  app: TestApp;
  /** The current redis-server (replaced when a test restarts it). */
  redis: RedisServer;
  postgres: PrivatePostgres;
  user: AuthPayload;
}

/** A gateway on its own Redis and PostgreSQL, with one signed-up user; everything is stopped afterwards, frozen or not. */
async function withStack(run: (stack: Stack) => Promise<void>): Promise<void> {
  const redis = await startRedisServer();
  let postgres: PrivatePostgres | undefined;
  let app: TestApp | undefined;
  const stack = { redis } as Stack;
  try {
    postgres = await startPrivatePostgres();
    stack.postgres = postgres;
    app = await createTestApp({ REDIS_URL: redis.url }, { databaseUrl: postgres.url });
    stack.app = app;
    stack.user = await signUp(app);
    await run(stack);
  } finally {
    // A frozen process ignores SIGKILL only until it is continued; continue first, always.
    if (stack.redis.process.exitCode === null && stack.redis.process.signalCode === null) stack.redis.process.kill('SIGCONT');
    await postgres?.signal('SIGCONT').catch(() => undefined);
    await app?.close().catch(() => undefined);
    await stack.redis.stop();
    if (stack.redis !== redis) await redis.stop();
    await postgres?.destroy();
  }
}

const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { ${AUTH_FIELDS} } }`;
const REFRESH = `mutation($t: String!) { refresh(refreshToken: $t) { ${AUTH_FIELDS} } }`;
const ME = '{ me { id email } }';

type Operation = 'signIn' | 'refresh' | 'me';
type Answer = GraphQLResponse<Record<string, unknown>> & { ms: number };

async function call(stack: Stack, operation: Operation, refreshToken = stack.user.refreshToken): Promise<Answer> {
  const started = Date.now();
  const response =
    operation === 'signIn'
      ? await stack.app.gql(SIGN_IN, { input: { email: stack.user.user.email, password: PASSWORD } })
      : operation === 'refresh'
        ? await stack.app.gql(REFRESH, { t: refreshToken })
        : await stack.app.gql(ME, undefined, bearer(stack.user.accessToken));
  return { ...response, ms: Date.now() - started };
}

/** The operation answered SERVICE_UNAVAILABLE within 2 s, as HTTP 200, with no data and nothing internal. */
function expectUnavailable(answer: Answer, operation: Operation): void {
  expect({ operation, ms: answer.ms < ANSWER_MS, status: answer.status, codes: answer.errors?.map((error) => error.extensions?.code) }).toEqual({
    operation,
    ms: true,
    status: 200,
    codes: ['SERVICE_UNAVAILABLE'],
  });
  // `me` is nullable: its field is null; the mutations null the whole data.
  expect(Object.values(answer.data ?? {}).filter((value) => value !== null)).toEqual([]);
  // Never a token without a stored session, never an internal detail.
  expect(answer.text).not.toMatch(/accessToken|refreshToken|eyJ|ECONNREFUSED|timed out|127\.0\.0\.1|:\d{4,5}\b/i);
}

/** Reads every 100 ms until `done` holds or `ms` pass; returns the last value and when it held. */
async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, ms: number): Promise<{ value: T; afterMs: number }> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    const afterMs = Date.now() - started;
    if (done(value) || afterMs >= ms) return { value, afterMs };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function readiness(stack: Stack): Promise<{ status: number; body: unknown; ms: number }> {
  const started = Date.now();
  const response = await fetch(`${stack.app.url}/readyz`);
  return { status: response.status, body: await response.json(), ms: Date.now() - started };
}

async function expectReadyzNames(stack: Stack, store: 'redis' | 'database'): Promise<void> {
  const { value, afterMs } = await pollUntil(() => readiness(stack), (ready) => ready.status === 503, READY_MS);
  expect(value).toEqual({ status: 503, body: { status: 'unavailable', down: [store] }, ms: expect.any(Number) });
  expect(afterMs).toBeLessThanOrEqual(READY_MS);
  expect(value.ms).toBeLessThan(ANSWER_MS);
}

/** Service is back, by itself, within 5 s: a fresh signIn succeeds, its refresh and me work, /readyz is 200. */
async function expectRecovery(stack: Stack): Promise<void> {
  const back = await pollUntil(() => call(stack, 'signIn'), (answer) => answer.data?.signIn !== undefined, RECOVERY_MS);
  expect({ afterMs: back.afterMs <= RECOVERY_MS, signIn: back.value.errors ?? 'ok' }).toEqual({ afterMs: true, signIn: 'ok' });
  const fresh = back.value.data!.signIn as AuthPayload;
  const refreshed = await stack.app.gql(REFRESH, { t: fresh.refreshToken });
  expect(refreshed.errors).toBeUndefined();
  const me = await stack.app.gql(ME, undefined, bearer((refreshed.data!.refresh as AuthPayload).accessToken));
  expect(me.data).toEqual({ me: { id: stack.user.user.id, email: stack.user.user.email } });
  const ready = await pollUntil(() => readiness(stack), (answer) => answer.status === 200, RECOVERY_MS);
  expect(ready.value.status).toBe(200);
}

describe('Redis stopped', () => {
  it('signIn, refresh and me → SERVICE_UNAVAILABLE within 2 s; /readyz 503 names redis; back within 5 s of a restart on the same port', () =>
    withStack(async (stack) => {
      const port = Number(new URL(stack.redis.url).port);
      await stack.redis.stop();

      expectUnavailable(await call(stack, 'signIn'), 'signIn');
      expectUnavailable(await call(stack, 'refresh'), 'refresh');
      const me = await pollUntil(() => call(stack, 'me'), (answer) => answer.errors !== undefined, ANSWER_MS);
      expectUnavailable(me.value, 'me');
      await expectReadyzNames(stack, 'redis');

      stack.redis = await startRedisServer(port);
      await expectRecovery(stack);
    }), CASE_TIMEOUT_MS);
});

describe('Redis frozen (SIGSTOP)', () => {
  it('signIn, refresh and me → SERVICE_UNAVAILABLE within 2 s; /readyz 503 names redis; back within 5 s of SIGCONT', () =>
    withStack(async (stack) => {
      stack.redis.process.kill('SIGSTOP');
      try {
        const answers = await Promise.all((['signIn', 'refresh'] as const).map((operation) => call(stack, operation)));
        expectUnavailable(answers[0]!, 'signIn');
        expectUnavailable(answers[1]!, 'refresh');
        const me = await pollUntil(() => call(stack, 'me'), (answer) => answer.errors !== undefined, ANSWER_MS);
        expectUnavailable(me.value, 'me');
        await expectReadyzNames(stack, 'redis');
      } finally {
        stack.redis.process.kill('SIGCONT');
      }
      await expectRecovery(stack);
      // Redis kept its data: the session from before the freeze still works.
      const me = await call(stack, 'me');
      expect(me.data).toEqual({ me: { id: stack.user.user.id, email: stack.user.user.email } });
    }), CASE_TIMEOUT_MS);
});

describe('PostgreSQL stopped', () => {
  it('signIn, refresh and me → SERVICE_UNAVAILABLE within 2 s; /readyz 503 names database; back within 5 s of a restart', () =>
    withStack(async (stack) => {
      await stack.postgres.stop();

      expectUnavailable(await call(stack, 'signIn'), 'signIn');
      expectUnavailable(await call(stack, 'refresh'), 'refresh');
      expectUnavailable(await call(stack, 'me'), 'me');
      await expectReadyzNames(stack, 'database');

      await stack.postgres.restart();
      await expectRecovery(stack);
    }), CASE_TIMEOUT_MS);

  it('a refresh refused with SERVICE_UNAVAILABLE rotated nothing: the same refresh token works after the outage, even past the reuse grace', () =>
    withStack(async (stack) => {
      await stack.postgres.stop();
      expectUnavailable(await call(stack, 'refresh'), 'refresh');
      await stack.postgres.restart();
      await pollUntil(() => readiness(stack), (ready) => ready.status === 200, RECOVERY_MS);
      // A client retrying after an outage longer than REFRESH_REUSE_GRACE (10 s) …
      stack.app.clock.advance(11_000);
      const retried = await call(stack, 'refresh');
      // … must get its new pair, not REFRESH_TOKEN_REUSED and a revoked session.
      expect(retried.errors).toBeUndefined();
      expect(retried.data?.refresh).toEqual(expect.objectContaining({ user: expect.objectContaining({ id: stack.user.user.id }) }));
    }), CASE_TIMEOUT_MS);
});

describe('PostgreSQL frozen (SIGSTOP on the postmaster and its backends)', () => {
  it('signIn, refresh and me → SERVICE_UNAVAILABLE within 2 s; /readyz 503 names database; back within 5 s of SIGCONT', () =>
    withStack(async (stack) => {
      await stack.postgres.signal('SIGSTOP');
      try {
        expectUnavailable(await call(stack, 'signIn'), 'signIn');
        expectUnavailable(await call(stack, 'refresh'), 'refresh');
        expectUnavailable(await call(stack, 'me'), 'me');
        await expectReadyzNames(stack, 'database');
      } finally {
        await stack.postgres.signal('SIGCONT');
      }
      await expectRecovery(stack);
    }), CASE_TIMEOUT_MS);
});
