import type { RedisClient } from '../infra/redis.js';
import { isSessionRef, isUuid } from './ids.js';
import type { Retention, SessionRecord, SessionRef, SessionStore, SessionTimes } from './session-store.js';
import { whileReachable } from './store-failure.js';

// Each session is one hash; each user has a sorted set of their session ids scored by lastUsedAt
// (ties ordered by id, as in PostgreSQL). The new session itself is never the one evicted.
// All of a user's keys share the hash tag {userId}, so they sit in one cluster slot and every
// script below stays atomic on a Redis Cluster too. Every key carries a TTL: the session's own
// expiry, and for the set the latest expiry of its members. Removals PUBLISH the ended ids in the
// same script (a cluster delivers PUBLISH to every node).

// KEYS: session, index. ARGV: id, expiresAt, limit, session key prefix, channel, lastUsedAt,
// ended-if-created-by, ended-if-last-used-by, fields…
const CREATE = `
redis.call('HSET', KEYS[1], unpack(ARGV, 9))
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
if redis.call('PEXPIRETIME', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIREAT', KEYS[2], ARGV[2]) end
local removed = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local times = redis.call('HMGET', ARGV[4] .. id, 'createdAt', 'lastUsedAt')
  if not times[1] then
    redis.call('ZREM', KEYS[2], id)
  elseif tonumber(times[1]) <= tonumber(ARGV[7]) or tonumber(times[2]) <= tonumber(ARGV[8]) then
    redis.call('DEL', ARGV[4] .. id)
    redis.call('ZREM', KEYS[2], id)
    table.insert(removed, id)
  end
end
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if excess <= 0 then break end
  if id ~= ARGV[1] then
    redis.call('DEL', ARGV[4] .. id)
    redis.call('ZREM', KEYS[2], id)
    table.insert(removed, id)
    excess = excess - 1
  end
end
if #removed > 0 then redis.call('PUBLISH', ARGV[5], 's ' .. table.concat(removed, ' ')) end
return removed`;

// KEYS: session, index. ARGV: expected hash, next hash, at, id.
const ROTATE = `
if redis.call('HGET', KEYS[1], 'currentHash') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'previousHash', ARGV[1], 'currentHash', ARGV[2], 'rotatedAt', ARGV[3], 'lastUsedAt', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'generation', 1)
redis.call('ZADD', KEYS[2], 'XX', ARGV[3], ARGV[4])
return 1`;

// KEYS: session, index. ARGV: expected hash, next hash, at, id.
const REPLACE = `
if redis.call('HGET', KEYS[1], 'currentHash') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'currentHash', ARGV[2], 'lastUsedAt', ARGV[3])
redis.call('HDEL', KEYS[1], 'previousHash', 'rotatedAt')
redis.call('HINCRBY', KEYS[1], 'generation', 1)
redis.call('ZADD', KEYS[2], 'XX', ARGV[3], ARGV[4])
return 1`;

// KEYS: session, index. ARGV: at, id.
const TOUCH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1])
redis.call('ZADD', KEYS[2], 'XX', ARGV[1], ARGV[2])
return 1`;

// KEYS: session, index. ARGV: id, channel. Returns the session's createdAt and lastUsedAt.
const DELETE = `
redis.call('ZREM', KEYS[2], ARGV[1])
local times = redis.call('HMGET', KEYS[1], 'createdAt', 'lastUsedAt')
if not times[1] then return nil end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], 's ' .. ARGV[1])
return times`;

// KEYS: index. ARGV: session key prefix, channel.
const DELETE_FOR_USER = `
local removed = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('DEL', ARGV[1] .. id) == 1 then table.insert(removed, id) end
end
redis.call('DEL', KEYS[1])
if #removed > 0 then redis.call('PUBLISH', ARGV[2], 's ' .. table.concat(removed, ' ')) end
return removed`;

// KEYS: index. ARGV: session key prefix. Most recently used first; expired members are dropped.
const LIST = `
local sessions = {}
for _, id in ipairs(redis.call('ZREVRANGE', KEYS[1], 0, -1)) do
  local fields = redis.call('HGETALL', ARGV[1] .. id)
  if #fields == 0 then redis.call('ZREM', KEYS[1], id) else table.insert(sessions, {id, fields}) end
end
return sessions`;

export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis';

  constructor(private readonly redis: RedisClient, private readonly prefix: string) {}

  /** The channel removals are published on. */
  get revocationChannel(): string {
    return `${this.prefix}session-revocations`;
  }

  create(session: SessionRecord, retention: Retention): Promise<string[]> {
    const fields = Object.entries({ ...session, amr: session.amr.join(' ') }).flatMap(([name, value]) => (value === null || name === 'id' ? [] : [name, String(value)]));
    const args = [
      session.id,
      session.expiresAt,
      retention.limit,
      this.sessionKey({ userId: session.userId, id: '' }),
      this.revocationChannel,
      session.lastUsedAt,
      retention.endedIfCreatedBy,
      retention.endedIfLastUsedBy,
    ];
    return this.run(async () => (await this.redis.eval(CREATE, 2, ...this.keysOf(session), ...args, ...fields)) as string[]);
  }

  find(ref: SessionRef): Promise<SessionRecord | null> {
    if (!isSessionRef(ref)) return Promise.resolve(null);
    return this.run(async () => {
      const hash = await this.redis.hgetall(this.sessionKey(ref));
      return hash.userId === ref.userId ? toRecord(ref.id, hash) : null;
    });
  }

  listForUser(userId: string): Promise<SessionRecord[]> {
    if (!isUuid(userId)) return Promise.resolve([]);
    return this.run(async () => {
      const rows = (await this.redis.eval(LIST, 1, this.indexKey(userId), this.sessionKey({ userId, id: '' }))) as Array<[string, string[]]>;
      return rows.map(([id, fields]) => toRecord(id, pairs(fields)));
    });
  }

  rotate(ref: SessionRef, expectedHash: string, nextHash: string, at: number): Promise<boolean> {
    if (!isSessionRef(ref)) return Promise.resolve(false);
    return this.run(async () => (await this.redis.eval(ROTATE, 2, ...this.keysOf(ref), expectedHash, nextHash, at, ref.id)) === 1);
  }

  replace(ref: SessionRef, expectedHash: string, nextHash: string, at: number): Promise<boolean> {
    if (!isSessionRef(ref)) return Promise.resolve(false);
    return this.run(async () => (await this.redis.eval(REPLACE, 2, ...this.keysOf(ref), expectedHash, nextHash, at, ref.id)) === 1);
  }

  touch(ref: SessionRef, at: number): Promise<void> {
    if (!isSessionRef(ref)) return Promise.resolve();
    return this.run(async () => {
      await this.redis.eval(TOUCH, 2, ...this.keysOf(ref), at, ref.id);
    });
  }

  delete(ref: SessionRef): Promise<SessionTimes | null> {
    if (!isSessionRef(ref)) return Promise.resolve(null);
    return this.run(async () => {
      const times = (await this.redis.eval(DELETE, 2, ...this.keysOf(ref), ref.id, this.revocationChannel)) as [string, string] | null;
      return times && { createdAt: Number(times[0]), lastUsedAt: Number(times[1]) };
    });
  }

  deleteForUser(userId: string): Promise<string[]> {
    if (!isUuid(userId)) return Promise.resolve([]);
    return this.run(
      async () => (await this.redis.eval(DELETE_FOR_USER, 1, this.indexKey(userId), this.sessionKey({ userId, id: '' }), this.revocationChannel)) as string[],
    );
  }

  private keysOf(ref: SessionRef): [string, string] {
    return [this.sessionKey(ref), this.indexKey(ref.userId)];
  }

  private sessionKey(ref: SessionRef): string {
    return `${this.prefix}session:{${ref.userId}}:${ref.id}`;
  }

  private indexKey(userId: string): string {
    return `${this.prefix}sessions:{${userId}}`;
  }

  private run<T>(operation: () => Promise<T>): Promise<T> {
    return whileReachable('redis session store', operation);
  }
}


function pairs(flat: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]!] = flat[i + 1]!;
  return hash;
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
    // Sessions stored before these fields existed have none.
    amr: hash.amr ? hash.amr.split(' ') : [],
    authTime: time('authTime') ?? time('createdAt')!,
    createdAt: time('createdAt')!,
    lastUsedAt: time('lastUsedAt')!,
    expiresAt: time('expiresAt')!,
    userAgent: hash.userAgent ?? null,
    ip: hash.ip ?? null,
  };
}
