import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type Gateway, startGateway } from '../../src/app/gateway.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/logger.js';
import { type GraphQLResponse, postGraphQL } from './graphql-client.js';
import { TestClock } from './test-clock.js';

export type StoreKind = 'redis' | 'postgres';

/** The key-encryption key test apps seal signing keys with (a test value, not a secret). */
export const TEST_KEY_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

export interface TestApp {
  readonly url: string;
  readonly clock: TestClock;
  readonly databaseUrl: string;
  /** Key prefix of this app's Redis keys (every test file gets its own). */
  readonly redisPrefix: string;
  readonly gateway: Gateway;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Reads or changes stored state directly in this app's database. */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** A plain Redis client for inspecting stored state. */
  redis(): Redis;
  close(): Promise<void>;
}

export interface TestAppOptions {
  store?: StoreKind;
  /** Reuse a database (for restart tests); default: a fresh one. */
  databaseUrl?: string;
  redisPrefix?: string;
  clock?: TestClock;
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (test/helpers/global-setup.ts)`);
  return value;
}

/** A fresh, empty database in the shared test PostgreSQL. */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = requiredEnv('TEST_DATABASE_URL');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A whole gateway on a free loopback port, against the real test PostgreSQL and Redis, with the
 * given environment on top of test defaults (cheap bcrypt, silent logs, an injected clock).
 */
export async function createTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const redisPrefix = options.redisPrefix ?? `test:${randomBytes(4).toString('hex')}:`;
  const clock = options.clock ?? new TestClock();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'silent',
    BCRYPT_COST: '4',
    DATABASE_URL: databaseUrl,
    // The shared test Redis, unless the app keeps sessions in PostgreSQL or is given a cluster.
    ...(options.store !== 'postgres' && !env.REDIS_CLUSTER_NODES && { REDIS_URL: requiredEnv('TEST_REDIS_URL') }),
    REDIS_KEY_PREFIX: redisPrefix,
    // Every test client is 127.0.0.1: limits high enough to stay out of the way, unless a test sets its own.
    RATE_LIMIT_SIGNIN: '100000/5m',
    RATE_LIMIT_SIGNUP: '100000/5m',
    RATE_LIMIT_REFRESH: '100000/5m',
    RATE_LIMIT_OAUTH: '100000/5m',
    RATE_LIMIT_MAIL: '100000/5m',
    SIGNIN_ACCOUNT_MAX_FAILURES: '1000',
    // One key-encryption key for every test app, so apps sharing a database open each other's keys.
    KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY,
    ...env,
  });
  const gateway = await startGateway(config, { logger: createLogger('silent'), clock });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const redisClients: Redis[] = [];
  return {
    url: gateway.url,
    clock,
    databaseUrl,
    redisPrefix,
    gateway,
    gql: (query, variables, headers) => postGraphQL(`${gateway.url}/graphql`, query, variables, headers),
    sql: async <T>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as T[],
    redis: () => {
      const client = new Redis(requiredEnv('TEST_REDIS_URL'));
      redisClients.push(client);
      return client;
    },
    close: async () => {
      await Promise.all(redisClients.map((client) => client.quit()));
      await pool.end();
      await gateway.close();
    },
  };
}
