/**
 * What each scenario sends (POST /graphql, JSON), and one measured autocannon run against a
 * server process: requests per second, latency, errors and the server's CPU per request.
 */
import autocannon from 'autocannon';
import type { FakeGoogle, GoogleProfile } from '../test/fakes/oauth/index.js';
import { REQUEST_PASSWORD_RESET } from '../test/helpers/account-mutations.js';
import { cpuMicros, settle } from './processes.js';

export const PASSWORD = 'correct horse battery staple';

export const OPERATIONS = {
  hello: '{ hello }',
  me: 'query Me { me { id email emailVerified nickname providers hasPassword createdAt } }',
  loginState: 'query LoginState { loginState }',
  refresh: 'mutation Refresh($t: String!) { refresh(refreshToken: $t) { accessToken refreshToken expiresIn } }',
  logout: 'mutation Logout { logout }',
  signIn: 'mutation SignIn($i: SignInInput!) { signIn(input: $i) { accessToken refreshToken expiresIn } }',
  signUp: 'mutation SignUp($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken expiresIn isNewUser } }',
  requestPasswordReset: REQUEST_PASSWORD_RESET,
  completeMfa: 'mutation CompleteMfa($id: ID!, $c: String!) { completeMfa(challengeId: $id, code: $c) { accessToken refreshToken expiresIn } }',
  oauthLogin: 'mutation OAuthLogin($code: String!, $r: String!) { oauthLogin(provider: GOOGLE, code: $code, redirectUri: $r) { accessToken refreshToken expiresIn isNewUser } }',
  entities: 'query Entities($r: [_Any!]!) { _entities(representations: $r) { ... on User { id nickname } } }',
} as const;

/** What a scenario needs from its gateway's seeded data. */
export interface Pools {
  /** Access tokens of live sessions, one per user, for `me`. */
  meTokens: string[];
  /** Unused refresh tokens; `refresh` takes one per request and puts back the one it gets. */
  refreshTokens: string[];
  /** For each round, access tokens of sessions that `logout` ends, each once. */
  logoutTokens: string[][];
  /** Accounts whose hashes have the gateway's bcrypt cost, for `signIn`. */
  signInAccounts: Array<{ email: string; password: string }>;
  /** For each round, addresses of accounts with a password, each asked for once. */
  resetEmails: string[][];
  /** Second-step challenges with the recovery code that answers each; refilled before every run. */
  mfaChallenges: Array<{ id: string; code: string }>;
  /** Ids of existing users, for `_entities`. */
  userIds: string[];
}

/** One kind of load: the request template (with per-request setup) and optionally a fixed count. */
export interface Load {
  setupRequest?: (request: autocannon.Request) => autocannon.Request;
  /** Sees every response that arrived (errors are counted elsewhere). */
  onResponse?: (status: number, body: string) => void;
  body: string;
  path?: string;
  /** A fixed number of requests instead of a duration (for pools that one run uses up). */
  amount?: number;
}

const body = (query: string, variables?: object) => JSON.stringify({ query, ...(variables && { variables }) });

function withBearer(request: autocannon.Request, token: string): autocannon.Request {
  request.headers = { ...request.headers, authorization: `Bearer ${token}` };
  return request;
}

export const loads = {
  bareHttp: (): Load => ({ body: body(OPERATIONS.hello), path: '/' }),
  hello: (): Load => ({ body: body(OPERATIONS.hello) }),
  loginState: (): Load => ({ body: body(OPERATIONS.loginState) }),

  me(pools: Pools): Load {
    let next = 0;
    return {
      body: body(OPERATIONS.me),
      setupRequest: (request) => withBearer(request, pools.meTokens[next++ % pools.meTokens.length]!),
    };
  },

  /** Every request spends a refresh token never used before, and returns the new one to the pool. */
  refresh(pools: Pools): Load {
    return {
      body: '',
      setupRequest(request) {
        // A dry pool (more requests lost in flight than run.ts allowed for) shows up as errors.
        request.body = body(OPERATIONS.refresh, { t: pools.refreshTokens.shift() ?? 'pool-ran-dry' });
        return request;
      },
      onResponse(_status, responseBody) {
        const token = /"refreshToken":"([^"]+)"/.exec(responseBody)?.[1];
        if (token) pools.refreshTokens.push(token);
      },
    };
  },

  /** Each session refreshes once, sending its expired access token beside its refresh token: a fixed number of requests. */
  refreshWithExpiredToken(sessions: ReadonlyArray<{ accessToken: string; refreshToken: string }>): Load {
    let next = 0;
    return {
      body: '',
      amount: sessions.length,
      setupRequest(request) {
        const session = sessions[next++ % sessions.length]!;
        request.body = body(OPERATIONS.refresh, { t: session.refreshToken });
        return withBearer(request, session.accessToken);
      },
    };
  },

  /** Ends each session of this round's pool once: a fixed number of requests. */
  logout(pools: Pools, round: number): Load {
    const tokens = pools.logoutTokens[round] ?? [];
    let next = 0;
    return {
      body: body(OPERATIONS.logout),
      amount: tokens.length,
      // autocannon sends exactly `amount`; the modulo only guards against a miscount.
      setupRequest: (request) => withBearer(request, tokens[next++ % tokens.length]!),
    };
  },

  signIn(pools: Pools): Load {
    let next = 0;
    return {
      body: '',
      setupRequest(request) {
        request.body = body(OPERATIONS.signIn, { i: pools.signInAccounts[next++ % pools.signInAccounts.length] });
        return request;
      },
    };
  },

  /** A link asked for each address of this round's pool once: a fixed number of requests. */
  requestPasswordReset(pools: Pools, round: number): Load {
    const emails = pools.resetEmails[round] ?? [];
    let next = 0;
    return {
      body: '',
      amount: emails.length,
      setupRequest(request) {
        request.body = body(OPERATIONS.requestPasswordReset, { email: emails[next++ % emails.length] });
        return request;
      },
    };
  },

  /** Answers each minted challenge once: a fixed number of requests. */
  completeMfa(pools: Pools): Load {
    const challenges = pools.mfaChallenges.splice(0);
    let next = 0;
    return {
      body: '',
      amount: challenges.length,
      setupRequest(request) {
        const challenge = challenges[next++ % challenges.length]!;
        request.body = body(OPERATIONS.completeMfa, { id: challenge.id, c: challenge.code });
        return request;
      },
    };
  },

  /** Each request brings a code the provider just issued for one of `profiles` (the consent step happens in this process). */
  oauthLogin(google: FakeGoogle, profiles: readonly GoogleProfile[], redirectUri: string): Load {
    let next = 0;
    return {
      body: '',
      setupRequest(request) {
        const code = google.issueCode({ profile: profiles[next++ % profiles.length]!, redirectUri });
        request.body = body(OPERATIONS.oauthLogin, { code, r: redirectUri });
        return request;
      },
    };
  },

  /** A router's batched entity fetch: every user of `userIds` (100 by default) in one request. */
  entities(pools: Pools): Load {
    return { body: body(OPERATIONS.entities, { r: pools.userIds.map((id) => ({ __typename: 'User', id })) }) };
  },

  signUp(tag: string): Load {
    let next = 0;
    return {
      body: '',
      setupRequest(request) {
        next += 1;
        request.body = body(OPERATIONS.signUp, { i: { email: `new-${tag}-${next}@bench.example`, password: PASSWORD, nickname: `New ${next}` } });
        return request;
      },
    };
  },
};

export interface Measurement {
  /** Good responses (200 without "errors") per second. */
  reqPerSec: number;
  p50: number;
  p99: number;
  /** Server CPU (its process tree) per good response, in microseconds. */
  cpuMicrosPerRequest: number;
  /** CPU of PostgreSQL and Redis (their process trees) per good response, in microseconds. */
  storeCpuMicrosPerRequest: number;
  /** Non-200 responses, bodies with "errors", connection errors and timeouts. */
  errors: number;
  ok: number;
  seconds: number;
}

export interface DriveOptions {
  url: string;
  seconds: number;
  connections: number;
  /** Process trees whose CPU is the server's. */
  serverPids: readonly number[];
  /** Process trees whose CPU is the stores' (PostgreSQL, Redis). */
  storePids: readonly number[];
  /** Process trees that must be idle before the run starts (every server: one may still be busy with the previous run). */
  quietPids?: readonly number[];
}

/**
 * One autocannon run of `load`, once the servers are idle; CPU is read from /proc just before
 * and just after.
 */
export async function drive(load: Load, options: DriveOptions): Promise<Measurement> {
  if (!(await settle(options.quietPids ?? [...options.serverPids, ...options.storePids]))) process.stderr.write('    (the servers did not go idle within 30 s)\n');
  let ok = 0;
  let bad = 0;
  let firstError: string | undefined;
  // autocannon notices a finished `amount` only at its next one-second tick: time to the last response instead.
  let lastResponseAt = 0;
  const serverBefore = cpuMicros(options.serverPids);
  const storeBefore = cpuMicros(options.storePids);
  const started = performance.now();
  const result = await autocannon({
    url: new URL(load.path ?? '/graphql', options.url).href,
    connections: options.connections,
    ...(load.amount !== undefined ? { amount: load.amount } : { duration: options.seconds }),
    timeout: 10,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: load.body,
        ...(load.setupRequest && { setupRequest: load.setupRequest }),
        onResponse: (status: number, responseBody: string) => {
          lastResponseAt = performance.now();
          if (status === 200 && !responseBody.includes('"errors"')) ok += 1;
          else {
            bad += 1;
            firstError ??= `${status} ${responseBody.slice(0, 300)}`;
          }
          load.onResponse?.(status, responseBody);
        },
      },
    ],
  });
  const seconds = ((lastResponseAt || performance.now()) - started) / 1000;
  const serverMicros = cpuMicros(options.serverPids) - serverBefore;
  const storeMicros = cpuMicros(options.storePids) - storeBefore;
  if (firstError) process.stderr.write(`    first error: ${firstError}\n`);
  return {
    reqPerSec: ok / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuMicrosPerRequest: serverMicros / Math.max(ok, 1),
    storeCpuMicrosPerRequest: storeMicros / Math.max(ok, 1),
    errors: bad + result.errors, // autocannon's errors include its timeouts
    ok,
    seconds,
  };
}
