import type { Redis } from '../infra/redis.js';
import type { SessionRecord, SessionStore } from './session-store.js';
import { whileAvailable } from './store-failure.js';

// Each session is one hash; each user has a set of session ids. Every key carries a TTL: the
// session's own expiry, and for the set the latest expiry of its members.
const CREATE = `
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
if redis.call('PEXPIRETIME', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIREAT', KEYS[2], ARGV[2]) end
return 1`;

const ROTATE = `
if redis.call('HGET', KEYS[1], 'currentHash') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'previousHash', ARGV[1], 'currentHash', ARGV[2], 'rotatedAt', ARGV[3], 'lastUsedAt', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'generation', 1)
return 1`;

const TOUCH = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1]) end
return 1`;

const DELETE = `
local userId = redis.call('HGET', KEYS[1], 'userId')
if not userId then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', ARGV[1] .. userId, ARGV[2])
return 1`;

const DELETE_FOR_USER = `
local ids = redis.call('SMEMBERS', KEYS[1])
local removed = 0
for _, id in ipairs(ids) do removed = removed + redis.call('DEL', ARGV[1] .. id) end
redis.call('DEL', KEYS[1])
return removed`;

export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis';

  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  create(session: SessionRecord): Promise<void> {
    const fields = Object.entries(session).flatMap(([name, value]) => (value === null ? [] : [name, String(value)]));
    return this.run(async () => {
      await this.redis.eval(CREATE, 2, this.sessionKey(session.id), this.userKey(session.userId), session.id, session.expiresAt, ...fields);
    });
  }

  find(id: string): Promise<SessionRecord | null> {
    return this.run(async () => {
      const hash = await this.redis.hgetall(this.sessionKey(id));
      return hash.userId ? toRecord(id, hash) : null;
    });
  }

  rotate(id: string, expectedHash: string, nextHash: string, at: number): Promise<boolean> {
    return this.run(async () => (await this.redis.eval(ROTATE, 1, this.sessionKey(id), expectedHash, nextHash, at)) === 1);
  }

  touch(id: string, at: number): Promise<void> {
    return this.run(async () => {
      await this.redis.eval(TOUCH, 1, this.sessionKey(id), at);
    });
  }

  delete(id: string): Promise<boolean> {
    return this.run(async () => (await this.redis.eval(DELETE, 1, this.sessionKey(id), this.userKey(''), id)) === 1);
  }

  deleteForUser(userId: string): Promise<number> {
    return this.run(async () => Number(await this.redis.eval(DELETE_FOR_USER, 1, this.userKey(userId), this.sessionKey(''))));
  }

  private sessionKey(id: string): string {
    return `${this.prefix}session:${id}`;
  }

  private userKey(userId: string): string {
    return `${this.prefix}user-sessions:${userId}`;
  }

  private run<T>(operation: () => Promise<T>): Promise<T> {
    // Any Redis error (refused, timed out, not connected) means the store cannot answer.
    return whileAvailable('redis session store', operation, () => true);
  }
}

function toRecord(id: string, hash: Record<string, string>): SessionRecord {
  const time = (name: string): number | null => (hash[name] === undefined ? null : Number(hash[name]));
  return {
    id,
    userId: hash.userId!,
    currentHash: hash.currentHash!,
    previousHash: hash.previousHash ?? null,
    rotatedAt: time('rotatedAt'),
    generation: Number(hash.generation),
    rotationKey: hash.rotationKey!,
    createdAt: time('createdAt')!,
    lastUsedAt: time('lastUsedAt')!,
    expiresAt: time('expiresAt')!,
    userAgent: hash.userAgent ?? null,
    ip: hash.ip ?? null,
  };
}
