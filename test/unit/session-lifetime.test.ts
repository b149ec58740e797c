import { SessionLifetime } from '../../src/services/session-lifetime.js';

const DAY = 86_400_000;
const created = Date.UTC(2026, 0, 1);

describe('SessionLifetime', () => {
  const absoluteOnly = new SessionLifetime({ refreshTokenTtlMs: 14 * DAY, sessionIdleTtlMs: null, maxSessionsPerUser: 50 });
  const withIdle = new SessionLifetime({ refreshTokenTtlMs: 14 * DAY, sessionIdleTtlMs: DAY, maxSessionsPerUser: 50 });

  it('ends a session REFRESH_TOKEN_TTL after creation, however recently it was used', () => {
    const session = { createdAt: created, lastUsedAt: created + 13 * DAY };
    expect(absoluteOnly.deadline(session)).toBe(created + 14 * DAY);
    expect(absoluteOnly.isAlive(session, created + 14 * DAY - 1)).toBe(true);
    expect(absoluteOnly.isAlive(session, created + 14 * DAY)).toBe(false);
  });

  it('ends a session SESSION_IDLE_TTL after its last use, when that comes first', () => {
    const session = { createdAt: created, lastUsedAt: created + 2 * DAY };
    expect(withIdle.deadline(session)).toBe(created + 3 * DAY);
    expect(withIdle.isAlive(session, created + 3 * DAY)).toBe(false);
    expect(withIdle.deadline({ createdAt: created, lastUsedAt: created + 13.5 * DAY })).toBe(created + 14 * DAY);
  });

  it('keeps, at sign-in, only sessions alive under the settings in force and at most the cap', () => {
    const now = created + 20 * DAY;
    expect(withIdle.retentionAt(now)).toEqual({ limit: 50, endedIfCreatedBy: now - 14 * DAY, endedIfLastUsedBy: now - DAY });
    expect(absoluteOnly.retentionAt(now).endedIfLastUsedBy).toBe(0);
  });
});
