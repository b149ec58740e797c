import type { Clock } from '../infra/clock.js';
import type { SessionRecord } from '../stores/session-store.js';

type Entry = { kind: 'live'; session: SessionRecord; fetchedAt: number } | { kind: 'ended' };

/** A live entry is trusted this long; revocation announcements end it sooner. */
const MAX_AGE_MS = 10_000;
const MAX_ENTRIES = 100_000;

/**
 * What this process knows about sessions, so a request with a live session needs no store round
 * trip. Live entries are trusted only while every revocation feed is listening: a feed that goes
 * deaf may miss announcements, so live entries are dropped then and again when it listens again.
 * An ended session never comes back, so `ended` entries stay until pushed out by newer ones.
 */
export class SessionLiveness {
  private readonly entries = new Map<string, Entry>();
  private readonly deafFeeds: Set<string>;
  /** Changes whenever live entries are dropped, so an answer loaded before that is not kept. */
  private epoch = 0;

  constructor(private readonly clock: Clock, feeds: readonly string[]) {
    this.deafFeeds = new Set(feeds);
  }

  /** `ended`, a session record fresh enough to trust, or undefined when the store must be asked. */
  lookup(sessionId: string): SessionRecord | 'ended' | undefined {
    const entry = this.entries.get(sessionId);
    if (entry?.kind === 'ended') return 'ended';
    if (!entry || this.deafFeeds.size > 0 || this.clock.now() - entry.fetchedAt > MAX_AGE_MS) return undefined;
    return entry.session;
  }

  /** Taken before asking the store; `remember` keeps the answer only if nothing was dropped since. */
  ticket(): number {
    return this.epoch;
  }

  remember(session: SessionRecord, ticket: number): void {
    if (ticket !== this.epoch || this.deafFeeds.size > 0 || this.entries.get(session.id)?.kind === 'ended') return;
    this.put(session.id, { kind: 'live', session, fetchedAt: this.clock.now() });
  }

  ended(sessionIds: readonly string[]): void {
    for (const id of sessionIds) this.put(id, { kind: 'ended' });
  }

  userDeleted(userId: string): void {
    for (const [id, entry] of this.entries) if (entry.kind === 'live' && entry.session.userId === userId) this.put(id, { kind: 'ended' });
  }

  feedDeaf(feed: string): void {
    this.deafFeeds.add(feed);
    this.dropLive();
  }

  feedListening(feed: string): void {
    this.deafFeeds.delete(feed);
    this.dropLive();
  }

  private put(id: string, entry: Entry): void {
    this.entries.delete(id);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(id, entry);
  }

  private dropLive(): void {
    this.epoch += 1;
    for (const [id, entry] of this.entries) if (entry.kind === 'live') this.entries.delete(id);
  }
}
