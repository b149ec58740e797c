import type { Clock } from '../infra/clock.js';
import type { SessionTimes } from '../stores/session-store.js';
import { AnnouncedCache } from './announced-cache.js';
import { BoundedMap } from './bounded-map.js';

/**
 * A live entry is trusted this long; revocation announcements end it sooner. It is the contract's
 * one second, so even an announcement lost while the feed still answers its heartbeat cannot keep
 * a revoked session alive for longer.
 */
const MAX_AGE_MS = 1_000;
/**
 * What an entry costs on the heap, measured by `npm run bench` (bench/cache-costs.ts): a live
 * session (its id, its user's id, two times, the cache's wrapper) and an ended session's id.
 */
export const LIVE_ENTRY_BYTES = 352;
export const ENDED_ENTRY_BYTES = 128;
/** 4 MiB hold ~12,000 live sessions: more than a second's requests of one process. */
const LIVE_BYTES = 4 * 2 ** 20;
/** 2 MiB remember ~16,000 ended sessions. */
const ENDED_BYTES = 2 * 2 ** 20;

/** What deciding a session's liveness needs of it. */
export type LiveSession = SessionTimes & { userId: string };

/**
 * What this process knows about sessions, so a request with a live session needs no store round
 * trip. Live sessions are an AnnouncedCache over every change feed. An ended session never
 * comes back, so it is remembered for good (until pushed out by newer ones), feeds or not.
 */
export class SessionLiveness {
  private readonly live: AnnouncedCache<LiveSession>;
  private readonly endedIds = new BoundedMap<string, true>(ENDED_BYTES, () => ENDED_ENTRY_BYTES);

  constructor(clock: Clock, feeds: readonly string[]) {
    this.live = new AnnouncedCache(clock, feeds, { maxAgeMs: MAX_AGE_MS, maxBytes: LIVE_BYTES, bytesOf: () => LIVE_ENTRY_BYTES });
  }

  /** `ended`, a session fresh enough to trust, or undefined when the store must be asked. */
  lookup(sessionId: string): LiveSession | 'ended' | undefined {
    return this.endedIds.has(sessionId) ? 'ended' : this.live.get(sessionId);
  }

  /** Taken before asking the store; `remember` keeps the answer only if nothing was dropped since. */
  ticket(): number {
    return this.live.ticket();
  }

  /** Keeps only what liveness needs (a full record holds hashes, keys and a user agent). */
  remember(session: LiveSession & { id: string }, ticket: number): void {
    if (!this.endedIds.has(session.id)) this.live.set(session.id, { userId: session.userId, createdAt: session.createdAt, lastUsedAt: session.lastUsedAt }, ticket);
  }

  ended(sessionIds: readonly string[]): void {
    for (const id of sessionIds) {
      this.live.forget(id);
      this.endedIds.set(id, true);
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
