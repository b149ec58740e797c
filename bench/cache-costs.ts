/**
 * What one entry of each in-process cache costs on the heap, measured: the cache is filled with
 * ENTRIES realistic entries, and the growth of the heap (after full collections, with nothing
 * else holding the entries) is divided by their number. Printed beside what the cache itself
 * estimates (the byte budget it enforces), which must not be less. Run with --expose-gc, as
 * run.ts does.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { systemClock } from '../src/infra/clock.js';
import { AccessTokens, VERIFIED_ENTRY_BYTES } from '../src/services/access-tokens.js';
import { stringBytes } from '../src/services/bounded-map.js';
import { ENDED_ENTRY_BYTES, LIVE_ENTRY_BYTES, SessionLiveness } from '../src/services/session-liveness.js';
import { PROFILE_ENTRY_BYTES, UserProfiles } from '../src/services/user-profiles.js';
import type { StoredUser, UserRepository } from '../src/stores/user-repository.js';

/** Fewer than any cache's budget holds (the smallest, 8 MiB of verified tokens, holds ~8,800): none is pushed out. */
const ENTRIES = 5_000;

export interface CacheCost {
  cache: string;
  measuredBytes: number;
  estimatedBytes: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}

/** Heap growth per entry while `fill` runs, counting only what the cache keeps. */
async function perEntry(fill: () => Promise<void> | void): Promise<number> {
  const before = heapAfterGc();
  await fill();
  return (heapAfterGc() - before) / ENTRIES;
}

/**
 * A flat id, as one parsed from a token or read from a row is (randomUUID builds its string by
 * concatenation, which V8 keeps as a tree of pieces several times larger until flattened).
 */
const uuid = () => Buffer.from(randomUUID()).toString();

async function liveSessions(): Promise<CacheCost> {
  const liveness = new SessionLiveness(systemClock, []);
  const now = Date.now();
  const measuredBytes = await perEntry(() => {
    for (let i = 0; i < ENTRIES; i++) liveness.remember({ id: uuid(), userId: uuid(), createdAt: now - i, lastUsedAt: now + i }, liveness.ticket());
  });
  return { cache: 'live sessions', measuredBytes, estimatedBytes: LIVE_ENTRY_BYTES };
}

async function endedSessions(): Promise<CacheCost> {
  const liveness = new SessionLiveness(systemClock, []);
  const measuredBytes = await perEntry(() => {
    for (let i = 0; i < ENTRIES; i++) liveness.ended([uuid()]);
  });
  return { cache: 'ended sessions', measuredBytes, estimatedBytes: ENDED_ENTRY_BYTES };
}

async function profiles(): Promise<CacheCost> {
  const user = (id: string): StoredUser => ({
    id: Buffer.from(id).toString(),
    email: `someone.${id.slice(0, 8)}@example.com`,
    emailVerified: true,
    passwordHash: '$2b$10$abcdefghijklmnopqrstuuKc0K9vF3yCqkGJ0a8C1lT6zvM0Q3rXe',
    nickname: `Someone ${id.slice(0, 6)}`,
    providers: ['GOOGLE'],
    providerEmails: [],
    pendingEmail: null,
    mfaEnabled: false,
    disabledAt: null,
    createdAt: new Date(),
  });
  const repository = { findByIds: async (ids: readonly string[]) => ids.map(user) } as unknown as UserRepository;
  const cache = new UserProfiles(() => repository, systemClock, 'bench');
  cache.changeListener().listening();
  const sample = user(uuid());
  const strings = [sample.id, sample.id, sample.email!, sample.nickname].reduce((sum, text) => sum + stringBytes(text), 0);
  const measuredBytes = await perEntry(async () => {
    for (let i = 0; i < ENTRIES; i++) await cache.find(uuid());
  });
  return { cache: 'user profiles', measuredBytes, estimatedBytes: PROFILE_ENTRY_BYTES + strings + 8 };
}

async function verifiedTokens(): Promise<CacheCost> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = { kid: 'bench-key', privateKey, publicKey, jwk: {} as never };
  const config = { jwtIssuer: 'http://127.0.0.1:4000', jwtAudience: 'auth-gateway', accessTokenTtlMs: 15 * 60_000, accessTokenScope: 'user' };
  const tokens = new AccessTokens({ signingKey: () => key, verificationKey: (kid) => (kid === key.kid ? key : undefined), jwks: () => [] }, config, systemClock);
  const issue = () => tokens.issue({ userId: uuid(), id: uuid(), amr: ['pwd'], authTime: Date.now() }).token;
  const strings = [issue(), key.kid, uuid(), uuid(), 'user'].reduce((sum, text) => sum + stringBytes(text), 0);
  const measuredBytes = await perEntry(() => {
    // Flattened, as a token read from a request header is.
    for (let i = 0; i < ENTRIES; i++) tokens.verify(Buffer.from(issue()).toString());
  });
  return { cache: 'verified access tokens', measuredBytes, estimatedBytes: VERIFIED_ENTRY_BYTES + strings };
}

if (!gc) throw new Error('run with node --expose-gc');
const costs = [await liveSessions(), await endedSessions(), await profiles(), await verifiedTokens()];
process.stdout.write(JSON.stringify(costs));
