import { randomUUID } from 'node:crypto';
import { SessionLiveness } from '../../src/services/session-liveness.js';
import type { SessionRecord } from '../../src/stores/session-store.js';
import { TestClock } from '../helpers/test-clock.js';

function record(userId = randomUUID()): SessionRecord {
  const now = Date.now();
  return {
    id: randomUUID(),
    userId,
    currentHash: 'h',
    previousHash: null,
    rotatedAt: null,
    generation: 0,
    rotationKey: 'k',
    amr: ['pwd'],
    authTime: now,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: now + 60_000,
    userAgent: null,
    ip: null,
  };
}

/** What the cache keeps of a session: what liveness needs, nothing more. */
const liveOf = ({ userId, createdAt, lastUsedAt }: SessionRecord) => ({ userId, createdAt, lastUsedAt });

/** A cache whose feeds are all listening, as in steady state. */
function listeningCache(clock = new TestClock()): SessionLiveness {
  const cache = new SessionLiveness(clock, ['redis', 'postgres']);
  cache.feedListening('redis');
  cache.feedListening('postgres');
  return cache;
}

describe('SessionLiveness', () => {
  it('answers a remembered live session from memory', () => {
    const cache = listeningCache();
    const session = record();
    cache.remember(session, cache.ticket());
    expect(cache.lookup(session.id)).toEqual(liveOf(session));
  });

  it('knows nothing about a session it was never told of', () => {
    expect(listeningCache().lookup(randomUUID())).toBeUndefined();
  });

  it('remembers nothing until every feed listens, and trusts nothing while one is deaf', () => {
    const cache = new SessionLiveness(new TestClock(), ['redis', 'postgres']);
    const session = record();
    cache.feedListening('redis');
    cache.remember(session, cache.ticket());
    expect(cache.lookup(session.id)).toBeUndefined();

    cache.feedListening('postgres');
    cache.remember(session, cache.ticket());
    expect(cache.lookup(session.id)).toEqual(liveOf(session));
    cache.feedDeaf('redis');
    expect(cache.lookup(session.id)).toBeUndefined();
  });

  it('forgets live sessions when a deaf feed listens again: announcements may have been missed meanwhile', () => {
    const cache = listeningCache();
    const session = record();
    cache.remember(session, cache.ticket());
    cache.feedDeaf('postgres');
    cache.feedListening('postgres');
    expect(cache.lookup(session.id)).toBeUndefined();
  });

  it('does not keep an answer loaded before a feed went deaf and came back', () => {
    const cache = listeningCache();
    const session = record();
    const ticket = cache.ticket();
    cache.feedDeaf('redis');
    cache.feedListening('redis');
    cache.remember(session, ticket);
    expect(cache.lookup(session.id)).toBeUndefined();
  });

  it('keeps an ended session ended: a live answer loaded before the announcement arrived cannot revive it', () => {
    const cache = listeningCache();
    const session = record();
    const ticket = cache.ticket();
    cache.ended([session.id]);
    cache.remember(session, ticket);
    expect(cache.lookup(session.id)).toBe('ended');
  });

  it('answers ended even while a feed is deaf', () => {
    const cache = listeningCache();
    const session = record();
    cache.ended([session.id]);
    cache.feedDeaf('redis');
    expect(cache.lookup(session.id)).toBe('ended');
  });

  it('ends every remembered session of a deleted user, and only theirs', () => {
    const cache = listeningCache();
    const userId = randomUUID();
    const [mine, alsoMine, theirs] = [record(userId), record(userId), record()];
    for (const session of [mine, alsoMine, theirs]) cache.remember(session, cache.ticket());
    cache.userDeleted(userId);
    expect(cache.lookup(mine.id)).toBe('ended');
    expect(cache.lookup(alsoMine.id)).toBe('ended');
    expect(cache.lookup(theirs.id)).toEqual(liveOf(theirs));
  });

  it("trusts a live entry for the contract's one second, then asks again (a lost announcement cannot last longer)", () => {
    const clock = new TestClock();
    const cache = listeningCache(clock);
    const session = record();
    cache.remember(session, cache.ticket());
    clock.advance(1_000);
    expect(cache.lookup(session.id)).toEqual(liveOf(session));
    clock.advance(1);
    expect(cache.lookup(session.id)).toBeUndefined();
  });
});
