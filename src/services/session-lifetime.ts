import type { Config } from '../config/config.js';
import type { Retention, SessionTimes } from '../stores/session-store.js';

export type LifetimePolicy = Pick<Config, 'refreshTokenTtlMs' | 'sessionIdleTtlMs' | 'maxSessionsPerUser'>;

/**
 * How long sessions live, decided from the settings in force now (so shortening a setting and
 * restarting shortens sessions already issued): alive while `now < createdAt + REFRESH_TOKEN_TTL`
 * and, when set, `now < lastUsedAt + SESSION_IDLE_TTL`.
 */
export class SessionLifetime {
  constructor(private readonly policy: LifetimePolicy) {}

  /** When the session ends unless used again: the earlier of its absolute and idle deadlines. */
  deadline(session: SessionTimes): number {
    const absolute = session.createdAt + this.policy.refreshTokenTtlMs;
    const idle = this.policy.sessionIdleTtlMs === null ? Infinity : session.lastUsedAt + this.policy.sessionIdleTtlMs;
    return Math.min(absolute, idle);
  }

  isAlive(session: SessionTimes, now: number): boolean {
    return now < this.deadline(session);
  }

  /** What a user keeps when a session starts now: sessions still alive, at most the cap of them. */
  retentionAt(now: number): Retention {
    return {
      limit: this.policy.maxSessionsPerUser,
      endedIfCreatedBy: now - this.policy.refreshTokenTtlMs,
      // lastUsedAt is never at or before the epoch: with no idle timeout, nothing ends by idleness.
      endedIfLastUsedBy: this.policy.sessionIdleTtlMs === null ? 0 : now - this.policy.sessionIdleTtlMs,
    };
  }
}
