import pg from 'pg';
import { RateLimiterPostgres, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';
import type { Clock } from '../infra/clock.js';
import { POSTGRES_DEADLINES } from '../infra/postgres-deadlines.js';
import type { RedisClient } from '../infra/redis.js';
import { whileReachable } from './store-failure.js';

/** Where a counter stands: hits in the current window, and when that window ends. */
export interface CounterWindow {
  count: number;
  resetsInMs: number;
}

/** Hits per key in a fixed window; deciding what is too many is the caller's business. */
export interface WindowCounter {
  hit(key: string): Promise<CounterWindow>;
  /** The count in the current window; 0 when there is none. */
  peek(key: string): Promise<number>;
  /** Sets the count, starting a fresh window. */
  set(key: string, count: number): Promise<void>;
  /** Takes one hit back (a success that should not count). */
  undo(key: string): Promise<void>;
  clear(key: string): Promise<void>;
}

/** A per-key lock with its own duration each time, timed by the gateway's clock. */
export interface KeyLock {
  lock(key: string, ms: number): Promise<void>;
  /** Milliseconds the key stays locked; 0 when it is not. */
  remaining(key: string): Promise<number>;
  release(key: string): Promise<void>;
}

// Counters never refuse by themselves: the service compares the count with its limit.
const UNLIMITED = 2 ** 30;
/** A lock's stored copy outlives its end by this much, so a clock a little ahead still finds it. */
const LOCK_KEEP_MS = 60_000;

/** Where a lock's end time is kept: one value per key, forgotten LOCK_KEEP_MS after it. */
interface LockValues {
  put(key: string, until: number): Promise<void>;
  get(key: string): Promise<number | null>;
  remove(key: string): Promise<void>;
}

/**
 * Counters and locks kept in Redis or PostgreSQL (rate-limiter-flexible does the atomic window
 * arithmetic in both), so limits hold across instances and restarts. Any store error is
 * SERVICE_UNAVAILABLE: limits fail closed.
 */
export class RateLimitCounters {
  private readonly pool: pg.Pool | null;

  private constructor(
    private readonly make: (name: string, points: number, windowMs: number) => RateLimiterAbstract,
    private readonly lockValues: LockValues,
    private readonly clock: Clock,
    pool: pg.Pool | null,
  ) {
    this.pool = pool;
  }

  static inRedis(redis: RedisClient, prefix: string, clock: Clock): RateLimitCounters {
    const lockValues: LockValues = {
      put: async (key, until) => void (await redis.set(`${prefix}rate-lock:${key}`, String(until), 'PXAT', until + LOCK_KEEP_MS)),
      get: async (key) => numberOrNull(await redis.get(`${prefix}rate-lock:${key}`)),
      remove: async (key) => void (await redis.del(`${prefix}rate-lock:${key}`)),
    };
    return new RateLimitCounters(
      (name, points, windowMs) =>
        new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}rate:${name}`, points, duration: seconds(windowMs), rejectIfRedisNotReady: true }),
      lockValues,
      clock,
      null,
    );
  }

  static inPostgres(databaseUrl: string, clock: Clock): RateLimitCounters {
    // Its own small pool: the limiter speaks plain `pg`, with the same fail-fast timeouts as the ORM.
    // Counter writes do not wait for the WAL flush (one per sign-in and refresh otherwise): a
    // database crash may forget the last fraction of a second of counts, which a limit can afford.
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4, options: '-c synchronous_commit=off', ...POSTGRES_DEADLINES });
    pool.on('error', () => undefined);
    // Locks share the counters' table (and its clean-up of rows past `expire`) under keys of their own.
    const lockValues: LockValues = {
      // `expire` is when the counters' clean-up may drop the row: a while after the lock ends.
      put: async (key, until) =>
        void (await pool.query('insert into rate_limits (key, points, expire) values ($1, $2, $3) on conflict (key) do update set points = excluded.points, expire = excluded.expire', [
          `lock:${key}`,
          0,
          until + LOCK_KEEP_MS,
        ])),
      get: async (key) => {
        const { rows } = await pool.query<{ expire: string }>('select expire from rate_limits where key = $1', [`lock:${key}`]);
        return rows[0] ? Number(rows[0].expire) - LOCK_KEEP_MS : null;
      },
      remove: async (key) => void (await pool.query('delete from rate_limits where key = $1', [`lock:${key}`])),
    };
    return new RateLimitCounters(
      (name, points, windowMs) =>
        new RateLimiterPostgres({
          storeClient: pool,
          storeType: 'pool',
          tableName: 'rate_limits',
          tableCreated: true,
          keyPrefix: name,
          points,
          duration: seconds(windowMs),
        }),
      lockValues,
      clock,
      pool,
    );
  }

  counter(name: string, windowMs: number): WindowCounter {
    const limiter = this.make(name, UNLIMITED, windowMs);
    return {
      hit: (key) => store(async () => window(await limiter.consume(key))),
      peek: (key) => store(async () => (await limiter.get(key))?.consumedPoints ?? 0),
      set: (key, count) => store(async () => void (await limiter.set(key, count, seconds(windowMs)))),
      undo: (key) => store(async () => void (await limiter.reward(key))),
      clear: (key) => store(async () => void (await limiter.delete(key))),
    };
  }

  /**
   * Locks keep their end time as a value read against the gateway's clock (not a store TTL), so
   * lock expiry follows the same time as everything else the gateway decides.
   */
  lock(name: string): KeyLock {
    const values = this.lockValues;
    return {
      lock: (key, ms) => store(() => values.put(`${name}:${key}`, this.clock.now() + ms)),
      remaining: (key) => store(async () => Math.max(0, ((await values.get(`${name}:${key}`)) ?? 0) - this.clock.now())),
      release: (key) => store(() => values.remove(`${name}:${key}`)),
    };
  }

  async close(): Promise<void> {
    await this.pool?.end();
  }
}

function numberOrNull(raw: string | null): number | null {
  return raw === null ? null : Number(raw);
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function window(result: RateLimiterRes): CounterWindow {
  return { count: result.consumedPoints, resetsInMs: result.msBeforeNext };
}

function store<T>(operation: () => Promise<T>): Promise<T> {
  return whileReachable('rate-limit counters', operation);
}
