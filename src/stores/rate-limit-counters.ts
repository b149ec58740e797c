import pg from 'pg';
import { RateLimiterPostgres, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';
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

/** A per-key lock with its own duration each time. */
export interface KeyLock {
  lock(key: string, ms: number): Promise<void>;
  /** Milliseconds the key stays locked; 0 when it is not. */
  remaining(key: string): Promise<number>;
  release(key: string): Promise<void>;
}

// Counters never refuse by themselves: the service compares the count with its limit.
const UNLIMITED = 2 ** 30;

/**
 * Counters and locks kept in Redis or PostgreSQL (rate-limiter-flexible does the atomic window
 * arithmetic in both), so limits hold across instances and restarts. Any store error is
 * SERVICE_UNAVAILABLE: limits fail closed.
 */
export class RateLimitCounters {
  private readonly pool: pg.Pool | null;

  private constructor(private readonly make: (name: string, points: number, windowMs: number) => RateLimiterAbstract, pool: pg.Pool | null) {
    this.pool = pool;
  }

  static inRedis(redis: RedisClient, prefix: string): RateLimitCounters {
    return new RateLimitCounters(
      (name, points, windowMs) =>
        new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}rate:${name}`, points, duration: seconds(windowMs), rejectIfRedisNotReady: true }),
      null,
    );
  }

  static inPostgres(databaseUrl: string): RateLimitCounters {
    // Its own small pool: the limiter speaks plain `pg`, with the same fail-fast timeouts as the ORM.
    // Counter writes do not wait for the WAL flush (one per sign-in and refresh otherwise): a
    // database crash may forget the last fraction of a second of counts, which a limit can afford.
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4, options: '-c synchronous_commit=off', ...POSTGRES_DEADLINES });
    pool.on('error', () => undefined);
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

  lock(name: string): KeyLock {
    const limiter = this.make(name, 1, 1_000);
    return {
      lock: (key, ms) => store(async () => void (await limiter.block(key, seconds(ms)))),
      remaining: (key) =>
        store(async () => {
          const state = await limiter.get(key);
          return state && state.consumedPoints > 1 ? state.msBeforeNext : 0;
        }),
      release: (key) => store(async () => void (await limiter.delete(key))),
    };
  }

  async close(): Promise<void> {
    await this.pool?.end();
  }
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
