/**
 * A gateway under test and its data: the environment it runs with, and the users and sessions
 * the scenarios spend (made through the public API).
 *
 * Sessions for `refresh` and `logout` are made by a "seeder" gateway on the same database and
 * Redis with BCRYPT_COST=4, so thousands of sign-ins take seconds instead of minutes. It stays
 * up, idle while anything is measured, to make the second-step challenges each round spends.
 * Accounts for `signIn` are made by the measured gateway itself, so their hashes have the cost
 * under test.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { PASSWORD, OPERATIONS, type Pools } from './scenarios.js';
import { freePort, processTree, type Server, sleep, startNodeServer } from './processes.js';

export interface Stack {
  /** Label in the results, e.g. "redis" or "redis, WORKERS=2". */
  readonly name: string;
  readonly store: 'redis' | 'postgres';
  readonly databaseUrl: string;
  readonly redisUrl: string | null;
  /** Distinct per stack, so stacks sharing one Redis never see each other's announcements. */
  readonly keyPrefix: string;
  readonly workers: number;
  /** More settings every gateway of the stack gets (SMTP, OAuth provider). */
  readonly env?: Record<string, string>;
}

export const GATEWAY_ENTRY = path.resolve('dist/src/main.js');
/** As `npm start` runs it. */
export const GATEWAY_NODE_ARGS = ['--max-semi-space-size=16', '--max-old-space-size=128'];
/** The most sessions one user may have (MAX_SESSIONS_PER_USER default): more would evict pool sessions. */
const SESSIONS_PER_USER = 50;
/** Every process of a run seals signing keys under this one key, as an operator would configure it. */
const KEY_ENCRYPTION_KEY = randomBytes(32).toString('base64');
const UNLIMITED = '1000000/5m';

export function gatewayEnv(stack: Stack, bcryptCost: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    DATABASE_URL: stack.databaseUrl,
    ...(stack.redisUrl && { REDIS_URL: stack.redisUrl }),
    REDIS_KEY_PREFIX: stack.keyPrefix,
    // As an operator runs it: signing keys sealed under a key of its own, shared by every process.
    KEY_ENCRYPTION_KEY,
    BCRYPT_COST: String(bcryptCost),
    // Measure work, not refusals.
    RATE_LIMIT_SIGNIN: UNLIMITED,
    RATE_LIMIT_REFRESH: UNLIMITED,
    RATE_LIMIT_SIGNUP: UNLIMITED,
    RATE_LIMIT_OAUTH: UNLIMITED,
    RATE_LIMIT_MAIL: UNLIMITED,
    SIGNIN_ACCOUNT_MAX_FAILURES: '1000', // the most config.ts accepts
    // Tokens made while seeding must outlive every round.
    ACCESS_TOKEN_TTL: '2h',
    ...(stack.workers > 1 && { WORKERS: String(stack.workers) }),
    ...stack.env,
  };
}

export async function startGateway(
  stack: Stack,
  options: { name: string; bcryptCost: number; extraEnv?: Record<string, string> },
): Promise<Server> {
  const server = await startNodeServer({
    name: options.name,
    script: GATEWAY_ENTRY,
    nodeArgs: GATEWAY_NODE_ARGS,
    env: { ...gatewayEnv(stack, options.bcryptCost), ...options.extraEnv },
    port: await freePort(),
    readyPath: '/readyz',
  });
  // With WORKERS=N, /readyz answers as soon as one worker listens: wait for all of them.
  const deadline = Date.now() + 30_000;
  while (stack.workers > 1 && processTree(server.pid).length < stack.workers + 1 && Date.now() < deadline) await sleep(100);
  return server;
}

// ---------------------------------------------------------------------------------------------

export interface PoolSizes {
  meUsers: number;
  refreshSessions: number;
  logoutSessionsPerRound: number;
  rounds: number;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/** The stack's seeder: a gateway with bcrypt cost 4 on the same stores. */
export function startSeeder(stack: Stack, options: { name?: string; extraEnv?: Record<string, string> } = {}): Promise<Server> {
  return startGateway(stack, { name: options.name ?? `seeder (${stack.name})`, bcryptCost: 4, extraEnv: options.extraEnv });
}

/** Users and sessions for `me`, `refresh` and `logout`, made through the seeder. */
export async function seed(seeder: Server, sizes: PoolSizes): Promise<Pick<Pools, 'meTokens' | 'refreshTokens' | 'logoutTokens' | 'userIds'>> {
  const url = seeder.url;
  const meTokens = (await inParallel(sizes.meUsers, 16, (i) => signUp(url, `me-${i}@bench.example`))).map((t) => t.accessToken);

  const sessions = await sessionsFor(url, 'pool', sizes.refreshSessions + sizes.rounds * sizes.logoutSessionsPerRound);

  const refreshTokens = sessions.slice(0, sizes.refreshSessions).map((t) => t.refreshToken);
  // Shuffled, so concurrent logouts do not all end sessions of the same few users.
  const rest = shuffle(sessions.slice(sizes.refreshSessions).map((t) => t.accessToken));
  const logoutTokens = Array.from({ length: sizes.rounds }, (_, r) =>
    rest.slice(r * sizes.logoutSessionsPerRound, (r + 1) * sizes.logoutSessionsPerRound),
  );
  const userIds = meTokens.map((token) => decodeJwt(token).sub!);
  return { meTokens, refreshTokens, logoutTokens, userIds };
}

/** `count` sessions made through `url`: users `<prefix>-<n>@bench.example`, each signed up, then signed in up to the per-user limit. */
export async function sessionsFor(url: string, prefix: string, count: number): Promise<Tokens[]> {
  const users = Math.ceil(count / SESSIONS_PER_USER);
  const perUser = (u: number) => Math.min(SESSIONS_PER_USER, count - u * SESSIONS_PER_USER);
  const sessions = await inParallel(users, 16, async (u) => {
    const email = `${prefix}-${u}@bench.example`;
    const all = [await signUp(url, email)];
    while (all.length < perUser(u)) all.push(await signIn(url, email));
    return all;
  });
  return sessions.flat();
}

/** Accounts for `signIn`, signed up through the measured gateway (hashes of the cost under test). */
export async function signInAccounts(url: string, count: number): Promise<Pools['signInAccounts']> {
  return inParallel(count, 4, async (i) => {
    const email = `signin-${i}@bench.example`;
    await signUp(url, email);
    return { email, password: PASSWORD };
  });
}

// ---------------------------------------------------------------------------------------------

export async function signUp(url: string, email: string): Promise<Tokens> {
  const data = await gql<{ signUp: Tokens }>(url, OPERATIONS.signUp, { i: { email, password: PASSWORD, nickname: email.split('@')[0] } });
  return data.signUp;
}

async function signIn(url: string, email: string): Promise<Tokens> {
  return (await gql<{ signIn: Tokens }>(url, OPERATIONS.signIn, { i: { email, password: PASSWORD } })).signIn;
}

export async function gql<T>(url: string, query: string, variables?: object, token?: string): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  const result = (await response.json()) as { data?: T; errors?: unknown[] };
  if (!result.data || result.errors) throw new Error(`${response.status} ${JSON.stringify(result.errors ?? result)}`);
  return result.data;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** fn(0) … fn(count − 1), at most `limit` at a time, results in order. */
export async function inParallel<T>(count: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}
