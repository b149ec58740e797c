import type { Clock } from '../infra/clock.js';
import { BoundedMap } from './bounded-map.js';

interface Entry<V> {
  value: V;
  fetchedAt: number;
}

/**
 * Values copied from a store, trusted while the store's change announcements are heard: a change
 * is announced (and `forget` called) when it commits, so an entry is current until then. Entries
 * are trusted only while every named feed is listening, since a deaf feed may miss
 * announcements; and for at most `maxAgeMs`, which bounds the harm of one lost announcement.
 */
export class AnnouncedCache<V> {
  private readonly entries: BoundedMap<string, Entry<V>>;
  private readonly deafFeeds: Set<string>;
  /** Changes whenever entries are dropped, so a value loaded before that is not kept. */
  private epoch = 0;

  /** `bytesOf` is what one entry costs in all (key, value and this cache's own wrapper). */
  constructor(
    private readonly clock: Clock,
    feeds: readonly string[],
    private readonly limits: { maxAgeMs: number; maxBytes: number; bytesOf: (key: string, value: V) => number },
  ) {
    this.deafFeeds = new Set(feeds);
    this.entries = new BoundedMap(limits.maxBytes, (key, entry) => limits.bytesOf(key, entry.value));
  }

  /** The value, or undefined when the store must be asked. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry || this.deafFeeds.size > 0 || this.clock.now() - entry.fetchedAt > this.limits.maxAgeMs) return undefined;
    return entry.value;
  }

  /** Taken before asking the store; `set` keeps the answer only if nothing was dropped since. */
  ticket(): number {
    return this.epoch;
  }

  set(key: string, value: V, ticket: number): void {
    if (ticket !== this.epoch || this.deafFeeds.size > 0) return;
    this.entries.set(key, { value, fetchedAt: this.clock.now() });
  }

  /** The value changed or is gone; a load already under way is not kept either. */
  forget(key: string): void {
    this.epoch += 1;
    this.entries.delete(key);
  }

  /** Forgets every entry whose value matches, and returns their keys. */
  forgetWhere(matches: (value: V) => boolean): string[] {
    const keys = [...this.entries].filter(([, entry]) => matches(entry.value)).map(([key]) => key);
    for (const key of keys) this.forget(key);
    return keys;
  }

  feedDeaf(feed: string): void {
    this.deafFeeds.add(feed);
    this.clear();
  }

  feedListening(feed: string): void {
    this.deafFeeds.delete(feed);
    this.clear();
  }

  private clear(): void {
    this.epoch += 1;
    this.entries.clear();
  }
}
