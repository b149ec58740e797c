import type { Clock } from '../infra/clock.js';
import type { SessionRecord } from '../stores/session-store.js';
import { AnnouncedCache } from './announced-cache.js';

/**
 * A live entry is trusted this long; revocation announcements end it sooner. It is the contract's
 * one second, so even an announcement lost while the feed still answers its heartbeat cannot keep
 * a revoked session alive for longer.
 */
const MAX_AGE_MS = 1_000;
const MAX_ENTRIES = 100_000;

/**
 * What this process knows about sessions, so a request with a live session needs no store round
 * trip. Live sessions are an AnnouncedCache over every change feed. An ended session never
 * comes back, so it is remembered for good (until pushed out by newer ones), feeds or not.
 */
export class SessionLiveness {
  private readonly live: AnnouncedCache<SessionRecord>;
  private readonly endedIds = new Set<string>();

  constructor(clock: Clock, feeds: readonly string[]) {
    this.live = new AnnouncedCache(clock, feeds, { maxAgeMs: MAX_AGE_MS, maxEntries: MAX_ENTRIES });
  }

  /** `ended`, a session record fresh enough to trust, or undefined when the store must be asked. */
  lookup(sessionId: string): SessionRecord | 'ended' | undefined {
    return this.endedIds.has(sessionId) ? 'ended' : this.live.get(sessionId);
  }

  /** Taken before asking the store; `remember` keeps the answer only if nothing was dropped since. */
  ticket(): number {
    return this.live.ticket();
  }

  remember(session: SessionRecord, ticket: number): void {
    if (!this.endedIds.has(session.id)) this.live.set(session.id, session, ticket);
  }

  ended(sessionIds: readonly string[]): void {
    for (const id of sessionIds) {
      this.live.forget(id);
      this.endedIds.delete(id);
      if (this.endedIds.size >= MAX_ENTRIES) this.endedIds.delete(this.endedIds.values().next().value!);
      this.endedIds.add(id);
    }
  }

  userDeleted(userId: string): void {
    this.ended(this.live.forgetWhere((session) => session.userId === userId));
  }

  feedDeaf(feed: string): void {
    this.live.feedDeaf(feed);
  }

  feedListening(feed: string): void {
    this.live.feedListening(feed);
  }
}
