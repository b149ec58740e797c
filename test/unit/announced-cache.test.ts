import { AnnouncedCache } from '../../src/services/announced-cache.js';
import { TestClock } from '../helpers/test-clock.js';

/** Every entry costs one "byte": a budget of n bytes holds n entries. */
const one = () => 1;
type Limits = { maxAgeMs: number; maxBytes: number; bytesOf: (key: string, value: string) => number };
const LIMITS: Limits = { maxAgeMs: 10_000, maxBytes: 100, bytesOf: one };

/** A cache over two feeds, both listening, as in steady state. */
function listeningCache(clock = new TestClock(), limits = LIMITS): AnnouncedCache<string> {
  const cache = new AnnouncedCache<string>(clock, ['redis', 'postgres'], limits);
  cache.feedListening('redis');
  cache.feedListening('postgres');
  return cache;
}

/** Stores `value` under `key` with a fresh ticket, as a load that nothing interrupted. */
function put(cache: AnnouncedCache<string>, key: string, value = `value of ${key}`): void {
  cache.set(key, value, cache.ticket());
}

describe('AnnouncedCache', () => {
  it('answers a stored value, and undefined for a key never stored', () => {
    const cache = listeningCache();
    put(cache, 'a', 'A');
    expect(cache.get('a')).toBe('A');
    expect(cache.get('b')).toBeUndefined();
  });

  it('replaces the value of a key stored again', () => {
    const cache = listeningCache();
    put(cache, 'a', 'old');
    put(cache, 'a', 'new');
    expect(cache.get('a')).toBe('new');
  });

  describe('age', () => {
    it('trusts an entry for exactly maxAgeMs, then answers undefined', () => {
      const clock = new TestClock();
      const cache = listeningCache(clock);
      put(cache, 'a', 'A');
      clock.advance(10_000);
      expect(cache.get('a')).toBe('A');
      clock.advance(1);
      expect(cache.get('a')).toBeUndefined();
    });

    it('counts the age from when the value was stored, not from when the key was first seen', () => {
      const clock = new TestClock();
      const cache = listeningCache(clock);
      put(cache, 'a', 'first');
      clock.advance(8_000);
      put(cache, 'a', 'second');
      clock.advance(8_000);
      expect(cache.get('a')).toBe('second');
      clock.advance(2_000);
      expect(cache.get('a')).toBe('second');
      clock.advance(1);
      expect(cache.get('a')).toBeUndefined();
    });

    it('honours its own maxAgeMs', () => {
      const clock = new TestClock();
      const cache = listeningCache(clock, { maxAgeMs: 500, maxBytes: 100, bytesOf: one });
      put(cache, 'a', 'A');
      clock.advance(500);
      expect(cache.get('a')).toBe('A');
      clock.advance(1);
      expect(cache.get('a')).toBeUndefined();
    });
  });

  describe('feeds', () => {
    it('keeps nothing until every feed listens: each feed starts deaf', () => {
      const cache = new AnnouncedCache<string>(new TestClock(), ['redis', 'postgres'], LIMITS);
      put(cache, 'a', 'A');
      expect(cache.get('a')).toBeUndefined();
      cache.feedListening('redis');
      put(cache, 'a', 'A');
      expect(cache.get('a')).toBeUndefined();
      cache.feedListening('postgres');
      put(cache, 'a', 'A');
      expect(cache.get('a')).toBe('A');
    });

    it('trusts nothing while any feed is deaf, and keeps nothing stored meanwhile', () => {
      const cache = listeningCache();
      put(cache, 'a', 'A');
      cache.feedDeaf('postgres');
      expect(cache.get('a')).toBeUndefined();
      put(cache, 'b', 'B');
      expect(cache.get('b')).toBeUndefined();
      cache.feedListening('postgres');
      expect(cache.get('b')).toBeUndefined();
    });

    it('forgets everything when a deaf feed listens again: announcements may have been missed meanwhile', () => {
      const cache = listeningCache();
      put(cache, 'a', 'A');
      cache.feedDeaf('redis');
      cache.feedListening('redis');
      expect(cache.get('a')).toBeUndefined();
      put(cache, 'a', 'again');
      expect(cache.get('a')).toBe('again');
    });

    it('stays deaf while one of two deaf feeds is still deaf', () => {
      const cache = listeningCache();
      cache.feedDeaf('redis');
      cache.feedDeaf('postgres');
      cache.feedListening('redis');
      put(cache, 'a', 'A');
      expect(cache.get('a')).toBeUndefined();
      cache.feedListening('postgres');
      put(cache, 'a', 'A');
      expect(cache.get('a')).toBe('A');
    });

    it('does not keep a value loaded before a feed went deaf and came back', () => {
      const cache = listeningCache();
      const ticket = cache.ticket();
      cache.feedDeaf('redis');
      cache.feedListening('redis');
      cache.set('a', 'stale', ticket);
      expect(cache.get('a')).toBeUndefined();
    });

    it('with no feeds at all, keeps values from the start', () => {
      const cache = new AnnouncedCache<string>(new TestClock(), [], LIMITS);
      put(cache, 'a', 'A');
      expect(cache.get('a')).toBe('A');
    });
  });

  describe('forget', () => {
    it('drops the key, and only that key', () => {
      const cache = listeningCache();
      put(cache, 'a', 'A');
      put(cache, 'b', 'B');
      cache.forget('a');
      expect(cache.get('a')).toBeUndefined();
      expect(cache.get('b')).toBe('B');
    });

    it('during a load makes set with the ticket taken before it a no-op', () => {
      const cache = listeningCache();
      put(cache, 'a', 'old');
      const ticket = cache.ticket(); // a load of `a` starts
      cache.forget('a'); // the change is announced while the load is under way
      cache.set('a', 'maybe stale', ticket);
      expect(cache.get('a')).toBeUndefined();
    });

    it('of a key that is not stored still voids a load under way', () => {
      const cache = listeningCache();
      const ticket = cache.ticket();
      cache.forget('a');
      cache.set('a', 'maybe stale', ticket);
      expect(cache.get('a')).toBeUndefined();
    });

    it('leaves loads that start after it free to store', () => {
      const cache = listeningCache();
      cache.forget('a');
      cache.set('a', 'fresh', cache.ticket());
      expect(cache.get('a')).toBe('fresh');
    });

    it('does not undo a set that landed before it: the value stays forgotten', () => {
      const cache = listeningCache();
      const ticket = cache.ticket();
      cache.set('a', 'A', ticket);
      cache.forget('a');
      cache.set('a', 'A', ticket);
      expect(cache.get('a')).toBeUndefined();
    });
  });

  describe('forgetWhere', () => {
    it('returns the keys whose values match and removes them, leaving the rest', () => {
      const cache = listeningCache();
      put(cache, 'a', 'user-1');
      put(cache, 'b', 'user-2');
      put(cache, 'c', 'user-1');
      expect(cache.forgetWhere((value) => value === 'user-1').sort()).toEqual(['a', 'c']);
      expect(cache.get('a')).toBeUndefined();
      expect(cache.get('c')).toBeUndefined();
      expect(cache.get('b')).toBe('user-2');
    });

    it('returns no keys when nothing matches, and removes nothing', () => {
      const cache = listeningCache();
      put(cache, 'a', 'A');
      expect(cache.forgetWhere(() => false)).toEqual([]);
      expect(cache.get('a')).toBe('A');
    });

    it('voids a load under way when it removed something', () => {
      const cache = listeningCache();
      put(cache, 'a', 'user-1');
      const ticket = cache.ticket();
      cache.forgetWhere((value) => value === 'user-1');
      cache.set('a', 'user-1', ticket);
      expect(cache.get('a')).toBeUndefined();
    });
  });

  describe('maxBytes', () => {
    const small = () => listeningCache(new TestClock(), { maxAgeMs: 10_000, maxBytes: 3, bytesOf: one });

    it('evicts the oldest entry to make room for a new one', () => {
      const cache = small();
      for (const key of ['a', 'b', 'c', 'd']) put(cache, key);
      expect(cache.get('a')).toBeUndefined();
      for (const key of ['b', 'c', 'd']) expect(cache.get(key)).toBe(`value of ${key}`);
      put(cache, 'e');
      expect(cache.get('b')).toBeUndefined();
      for (const key of ['c', 'd', 'e']) expect(cache.get(key)).toBe(`value of ${key}`);
    });

    it('counts a key stored again as new: the next oldest goes instead', () => {
      const cache = small();
      for (const key of ['a', 'b', 'c']) put(cache, key);
      put(cache, 'a', 'again');
      put(cache, 'd');
      expect(cache.get('b')).toBeUndefined();
      expect(cache.get('a')).toBe('again');
      expect(cache.get('c')).toBe('value of c');
      expect(cache.get('d')).toBe('value of d');
    });

    it('evicts nothing when a key already stored is stored again while full', () => {
      const cache = small();
      for (const key of ['a', 'b', 'c']) put(cache, key);
      put(cache, 'c', 'again');
      expect(cache.get('a')).toBe('value of a');
      expect(cache.get('b')).toBe('value of b');
      expect(cache.get('c')).toBe('again');
    });

    it('has room again after a forget', () => {
      const cache = small();
      for (const key of ['a', 'b', 'c']) put(cache, key);
      cache.forget('b');
      put(cache, 'd');
      for (const key of ['a', 'c', 'd']) expect(cache.get(key)).toBe(`value of ${key}`);
    });

    it('weighs entries by what they cost: a large value pushes out as many old ones as it needs', () => {
      const cache = listeningCache(new TestClock(), { maxAgeMs: 10_000, maxBytes: 10, bytesOf: (_key: string, value: string) => value.length });
      for (const key of ['a', 'b', 'c']) put(cache, key, 'xxx');
      put(cache, 'd', 'yyyyyy');
      expect(cache.get('a')).toBeUndefined();
      expect(cache.get('b')).toBeUndefined();
      expect(cache.get('c')).toBe('xxx');
      expect(cache.get('d')).toBe('yyyyyy');
      put(cache, 'e', 'z'.repeat(11));
      expect(cache.get('e')).toBeUndefined();
      expect(cache.get('d')).toBe('yyyyyy');
    });
  });
});
