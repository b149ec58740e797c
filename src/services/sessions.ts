import { randomUUID } from 'node:crypto';
import type { Config } from '../config/config.js';
import { AuthError } from '../errors/auth-error.js';
import type { Clock } from '../infra/clock.js';
import { constantTimeEqual, randomSecret } from '../infra/random.js';
import type { SessionRecord, SessionStore } from '../stores/session-store.js';
import type { AccessTokens } from './access-tokens.js';
import { hashRefreshToken, newRefreshToken, nextRefreshToken, parseRefreshToken } from './refresh-tokens.js';

export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
}

export interface TokenPair {
  userId: string;
  sessionId: string;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  refreshExpiresIn: number;
}

/** Which of a session's refresh tokens was presented: the live one, the one rotated out last, or an older one. */
type Presented = 'current' | 'previous' | 'ancestor';

type SessionPolicy = Pick<Config, 'refreshTokenTtlMs' | 'sessionIdleTtlMs' | 'refreshReuseGraceMs'>;

/** Starts, rotates and ends sessions; issues the token pair of each. */
export class Sessions {
  constructor(
    private readonly store: SessionStore,
    private readonly accessTokens: AccessTokens,
    private readonly policy: SessionPolicy,
    private readonly clock: Clock,
  ) {}

  async start(userId: string, client: ClientInfo): Promise<TokenPair> {
    const now = this.clock.now();
    const id = randomUUID();
    const refreshToken = newRefreshToken(id);
    const session: SessionRecord = {
      id,
      userId,
      currentHash: hashRefreshToken(refreshToken),
      previousHash: null,
      rotatedAt: null,
      generation: 0,
      rotationKey: randomSecret(32),
      createdAt: now,
      lastUsedAt: now,
      expiresAt: now + this.policy.refreshTokenTtlMs,
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      ip: client.ip,
    };
    await this.store.create(session);
    return this.pairFor(session, refreshToken, now);
  }

  /**
   * Rotates a refresh token. `boundUserId` is the user named by an access token sent alongside
   * (expired or not): when it differs from the session's user, nothing rotates (TOKEN_MISMATCH).
   */
  async refresh(refreshToken: string, boundUserId: string | null): Promise<TokenPair> {
    const { session, presented } = await this.findByRefreshToken(refreshToken);
    if (!session || !presented) throw new AuthError('INVALID_REFRESH_TOKEN');
    if (boundUserId !== null && boundUserId !== session.userId) throw new AuthError('TOKEN_MISMATCH');
    const now = this.clock.now();
    if (!this.withinLifetime(session, now)) {
      await this.store.delete(session.id);
      throw new AuthError('REFRESH_TOKEN_EXPIRED');
    }
    if (presented === 'ancestor') return this.revokeForReuse(session.id);
    const successor = nextRefreshToken(refreshToken, session.rotationKey);
    if (presented === 'previous') return this.replayWithinGrace(session, successor, now);
    if (await this.store.rotate(session.id, session.currentHash, hashRefreshToken(successor), now)) {
      return this.pairFor({ ...session, lastUsedAt: now }, successor, now);
    }
    // Another request rotated this same token first: it derived the same successor.
    const after = await this.store.find(session.id);
    if (after && constantTimeEqual(after.currentHash, hashRefreshToken(successor))) return this.pairFor(after, successor, now);
    throw new AuthError('INVALID_REFRESH_TOKEN');
  }

  /** True when an access token's session may still be used. */
  async isLive(sessionId: string): Promise<boolean> {
    const session = await this.store.find(sessionId);
    return session !== null && this.withinLifetime(session, this.clock.now());
  }

  /** Ends one session; false when it was already gone. */
  end(sessionId: string): Promise<boolean> {
    return this.store.delete(sessionId);
  }

  /** Ends every session of a user; true when there was one. */
  async endAll(userId: string): Promise<boolean> {
    return (await this.store.deleteForUser(userId)) > 0;
  }

  /**
   * Ends the session of a refresh token (the live one or the one just rotated out); false when
   * none matches or the session had already expired (it is cleaned up all the same).
   */
  async endByRefreshToken(refreshToken: string): Promise<boolean> {
    const { session, presented } = await this.findByRefreshToken(refreshToken);
    if (!session || (presented !== 'current' && presented !== 'previous')) return false;
    const deleted = await this.store.delete(session.id);
    return deleted && this.withinLifetime(session, this.clock.now());
  }

  private async findByRefreshToken(refreshToken: string): Promise<{ session: SessionRecord | null; presented: Presented | null }> {
    const parsed = parseRefreshToken(refreshToken);
    if (!parsed) return { session: null, presented: null };
    const session = await this.store.find(parsed.sessionId);
    if (!session) return { session: null, presented: null };
    const hash = hashRefreshToken(refreshToken);
    if (constantTimeEqual(hash, session.currentHash)) return { session, presented: 'current' };
    if (session.previousHash !== null && constantTimeEqual(hash, session.previousHash)) return { session, presented: 'previous' };
    return { session, presented: isAncestor(refreshToken, session) ? 'ancestor' : null };
  }

  /** A rotated-out token can only be presented by someone replaying it: end the whole session. */
  private async revokeForReuse(sessionId: string): Promise<never> {
    await this.store.delete(sessionId);
    throw new AuthError('REFRESH_TOKEN_REUSED');
  }

  /**
   * The token rotated out last, presented again: inside the grace window it is a concurrent tab
   * or a retry after a lost response, and gets the live successor; after it, it can only be a
   * replay of a stolen token, so the whole session is revoked.
   */
  private async replayWithinGrace(session: SessionRecord, successor: string, now: number): Promise<TokenPair> {
    const withinGrace = session.rotatedAt !== null && now - session.rotatedAt <= this.policy.refreshReuseGraceMs;
    if (withinGrace) {
      await this.store.touch(session.id, now);
      return this.pairFor({ ...session, lastUsedAt: now }, successor, now);
    }
    return this.revokeForReuse(session.id);
  }

  /**
   * Alive while `now < createdAt + REFRESH_TOKEN_TTL` as configured now (so shortening the setting
   * shortens sessions already issued) and, when set, `now < lastUsedAt + SESSION_IDLE_TTL`.
   */
  private withinLifetime(session: SessionRecord, now: number): boolean {
    return now < this.deadline(session);
  }

  private deadline(session: SessionRecord): number {
    const absolute = session.createdAt + this.policy.refreshTokenTtlMs;
    const idle = this.policy.sessionIdleTtlMs === null ? Infinity : session.lastUsedAt + this.policy.sessionIdleTtlMs;
    return Math.min(absolute, idle);
  }

  private pairFor(session: SessionRecord, refreshToken: string, now: number): TokenPair {
    const access = this.accessTokens.issue(session.userId, session.id);
    return {
      userId: session.userId,
      sessionId: session.id,
      accessToken: access.token,
      refreshToken,
      expiresIn: access.expiresIn,
      refreshExpiresIn: Math.max(0, Math.floor((this.deadline(session) - now) / 1000)),
    };
  }
}

/**
 * True when `token` is an older token of this session: deriving forward from it reaches the live
 * hash. Tokens are derived one from the next, so no list of spent hashes needs to be kept; the
 * walk is bounded by the session's rotation count.
 */
function isAncestor(token: string, session: SessionRecord): boolean {
  let derived = token;
  for (let step = 0; step < session.generation; step += 1) {
    derived = nextRefreshToken(derived, session.rotationKey);
    if (constantTimeEqual(hashRefreshToken(derived), session.currentHash)) return true;
  }
  return false;
}
