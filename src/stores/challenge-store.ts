import { AuthChallenge } from '../db/entities/index.js';
import type { MikroORM } from '../db/database.js';
import { sha256 } from '../infra/random.js';
import type { RedisClient } from '../infra/redis.js';
import { whileAvailable, whileReachable } from './store-failure.js';

/**
 * Short-lived, single-use challenges (a second sign-in step, a passkey ceremony), kept in Redis
 * or PostgreSQL like OAuth states. Ids are stored only as SHA-256 hashes. `take` removes the
 * challenge in the step that reads it, so two answers can never both use one.
 */
export interface ChallengeStore {
  put(id: string, payload: unknown, expiresAt: number, now: number): Promise<void>;
  /** What the challenge was issued for, left in place; null when unknown, taken or expired at `now`. */
  peek<T>(id: string, now: number): Promise<T | null>;
  /** The challenge, removed; null when unknown, already taken or expired at `now`. */
  take<T>(id: string, now: number): Promise<T | null>;
  /** Counts a wrong answer; at `limit` wrong answers the challenge is removed. */
  fail(id: string, limit: number): Promise<void>;
}

interface StoredChallenge {
  payload: unknown;
  expiresAt: number;
}

// KEYS: challenge, its failure count. ARGV: limit. The count lives as long as the challenge.
const FAIL = `
local failures = redis.call('INCR', KEYS[2])
local at = redis.call('PEXPIRETIME', KEYS[1])
if at > 0 then redis.call('PEXPIREAT', KEYS[2], at) else redis.call('PEXPIRE', KEYS[2], 600000) end
if failures >= tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) end
return 0`;

export class RedisChallengeStore implements ChallengeStore {
  constructor(private readonly redis: RedisClient, private readonly prefix: string) {}

  put(id: string, payload: unknown, expiresAt: number): Promise<void> {
    return whileReachable('redis', async () => {
      await this.redis.set(this.key(id), JSON.stringify({ payload, expiresAt } satisfies StoredChallenge), 'PXAT', expiresAt);
    });
  }

  peek<T>(id: string, now: number): Promise<T | null> {
    return whileReachable('redis', async () => alive<T>(await this.redis.get(this.key(id)), now));
  }

  take<T>(id: string, now: number): Promise<T | null> {
    return whileReachable('redis', async () => alive<T>(await this.redis.getdel(this.key(id)), now));
  }

  fail(id: string, limit: number): Promise<void> {
    return whileReachable('redis', async () => {
      await this.redis.eval(FAIL, 2, this.key(id), this.failuresKey(id), limit);
    });
  }

  // One hash tag per challenge: the script's two keys share a cluster slot.
  private key(id: string): string {
    return `${this.prefix}challenge:{${sha256(id)}}`;
  }

  private failuresKey(id: string): string {
    return `${this.key(id)}:failures`;
  }
}

function alive<T>(stored: string | null, now: number): T | null {
  const parsed = stored === null ? null : (JSON.parse(stored) as StoredChallenge);
  return parsed && now < parsed.expiresAt ? (parsed.payload as T) : null;
}

export class PostgresChallengeStore implements ChallengeStore {
  constructor(private readonly orm: MikroORM) {}

  put(id: string, payload: unknown, expiresAt: number, now: number): Promise<void> {
    return whileAvailable('database', async () => {
      const em = this.orm.em.fork();
      await em.insert(AuthChallenge, { idHash: sha256(id), payload, failures: 0, expiresAt: new Date(expiresAt) });
      // Abandoned challenges go as new ones arrive, so the table stays small.
      await em.nativeDelete(AuthChallenge, { expiresAt: { $lte: new Date(now) } });
    });
  }

  peek<T>(id: string, now: number): Promise<T | null> {
    return whileAvailable('database', async () => {
      const row = await this.orm.em.fork().findOne(AuthChallenge, { idHash: sha256(id), expiresAt: { $gt: new Date(now) } }, { disableIdentityMap: true });
      return row && (row.payload as T);
    });
  }

  take<T>(id: string, now: number): Promise<T | null> {
    return whileAvailable('database', async () => {
      const [row]: Array<{ payload: T; expires_at: string | Date }> = await this.orm.em.fork().execute('delete from auth_challenges where id_hash = ? returning payload, expires_at', [sha256(id)]);
      return row && now < new Date(row.expires_at).getTime() ? row.payload : null;
    });
  }

  fail(id: string, limit: number): Promise<void> {
    return whileAvailable('database', async () => {
      const em = this.orm.em.fork();
      const [row]: Array<{ failures: number }> = await em.execute('update auth_challenges set failures = failures + 1 where id_hash = ? returning failures', [sha256(id)]);
      if (row && row.failures >= limit) await em.execute('delete from auth_challenges where id_hash = ?', [sha256(id)]);
    });
  }
}
