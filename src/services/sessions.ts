import { randomUUID } from 'node:crypto';
import type { Config } from '../config/config.js';
import { AuthError } from '../errors/auth-error.js';
import type { Clock } from '../infra/clock.js';
import { constantTimeEqual, randomSecret } from '../infra/random.js';
import type { ChangeListener } from '../stores/change-feed.js';
import type { SessionRecord, SessionRef, SessionStore } from '../stores/session-store.js';
import type { AccessTokens, AuthMethod } from './access-tokens.js';
import type { AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import type { DeviceSession } from './device-session.js';
import { hashRefreshToken, newRefreshToken, nextRefreshToken, parseRefreshToken, type Presented, presentedToken } from './refresh-tokens.js';
import { type LifetimePolicy, SessionLifetime } from './session-lifetime.js';
import { SessionLiveness } from './session-liveness.js';
import type { TokenPair } from './token-pair.js';

type SessionPolicy = LifetimePolicy & Pick<Config, 'refreshReuseGraceMs'>;

/** Starts, rotates and ends sessions; issues the token pair of each. */
export class Sessions {
  private readonly liveness: SessionLiveness;
  private readonly lifetime: SessionLifetime;

  /** `feeds` names the change feeds that will report to `changeListener`. */
  constructor(
    private readonly store: SessionStore,
    private readonly accessTokens: AccessTokens,
    private readonly policy: SessionPolicy,
    private readonly events: AuthEvents,
    private readonly clock: Clock,
    feeds: readonly string[],
  ) {
    this.liveness = new SessionLiveness(clock, feeds);
    this.lifetime = new SessionLifetime(policy);
  }

  /** Where the change feed named `feed` reports. */
  changeListener(feed: string): Pick<ChangeListener, 'sessionsEnded' | 'userDeleted' | 'listening' | 'deaf'> {
    return {
      sessionsEnded: (ids) => this.liveness.ended(ids),
      userDeleted: (userId) => {
        this.liveness.userDeleted(userId);
        // Sessions kept outside the database do not go with the user's row: remove them here.
        // Every instance hears this and tries; once is enough, the rest find nothing.
        this.store.deleteForUser(userId).then((ids) => this.liveness.ended(ids), () => undefined);
      },
      listening: () => this.liveness.feedListening(feed),
      deaf: () => this.liveness.feedDeaf(feed),
    };
  }

  /** A new session for a user who just authenticated by `amr` (see access-tokens.ts: AuthMethod). */
  async start(userId: string, client: ClientInfo, amr: readonly AuthMethod[]): Promise<TokenPair> {
    const now = this.clock.now();
    const id = randomUUID();
    const refreshToken = newRefreshToken({ userId, id });
    const session: SessionRecord = {
      id,
      userId,
      currentHash: hashRefreshToken(refreshToken),
      previousHash: null,
      rotatedAt: null,
      generation: 0,
      rotationKey: randomSecret(32),
      amr: [...amr],
      authTime: now,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: now + this.policy.refreshTokenTtlMs,
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      ip: client.ip,
    };
    this.liveness.ended(await this.store.create(session, this.lifetime.retentionAt(now)));
    return this.pairFor(session, refreshToken, now);
  }

  /**
   * Starts a session for a user found enabled, unless an operator disables the account meanwhile;
   * null then. disable-user sets the flag before it ends the user's sessions, so asking
   * `stillEnabled` once this session exists closes the gap: a session made before the flag is
   * ended by disable-user, one made after it is ended here.
   */
  async startWhileEnabled(user: { id: string; disabledAt: Date | null }, client: ClientInfo, amr: readonly AuthMethod[], stillEnabled: () => Promise<boolean>): Promise<TokenPair | null> {
    if (user.disabledAt !== null) return null;
    const tokens = await this.start(user.id, client, amr);
    if (await stillEnabled()) return tokens;
    await this.end({ userId: user.id, id: tokens.sessionId });
    return null;
  }

  /**
   * Rotates a refresh token. The token is judged first (unknown, expired, replayed), so nothing
   * about its user is told to whoever merely guessed one; a replayed token revokes its session
   * whoever presents it. `boundUserId` is the user named by an access token sent alongside
   * (expired or not): when it differs from the session's user, nothing rotates (TOKEN_MISMATCH).
   * `admit` may still refuse the session's user (deleted, disabled) before anything rotates.
   */
  async refresh(refreshToken: string, boundUserId: string | null, client: ClientInfo, admit: (userId: string) => Promise<void>): Promise<TokenPair> {
    const { session, presented } = await this.findByRefreshToken(refreshToken, { ancestors: true });
    if (!session || !presented) throw new AuthError('INVALID_REFRESH_TOKEN');
    const now = this.clock.now();
    if (!this.lifetime.isAlive(session, now)) {
      await this.end(session);
      throw new AuthError('REFRESH_TOKEN_EXPIRED');
    }
    // The token rotated out last, presented again: inside the grace window it is a concurrent tab
    // or a retry after a lost response, and gets the live successor; after it, like any older
    // token, it can only be a replay of a stolen token, so the whole session is revoked.
    const withinGrace = presented === 'previous' && session.rotatedAt !== null && now - session.rotatedAt <= this.policy.refreshReuseGraceMs;
    if (presented === 'ancestor' || (presented === 'previous' && !withinGrace)) return this.revokeForReuse(session, client);
    if (boundUserId !== null && boundUserId !== session.userId) throw new AuthError('TOKEN_MISMATCH');
    await admit(session.userId);
    const successor = nextRefreshToken(refreshToken, session.rotationKey);
    if (withinGrace) {
      await this.store.touch(session, now);
      return this.pairFor({ ...session, lastUsedAt: now }, successor, now);
    }
    if (await this.store.rotate(session, session.currentHash, hashRefreshToken(successor), now)) {
      return this.pairFor({ ...session, lastUsedAt: now }, successor, now);
    }
    // Another request rotated this same token first: it derived the same successor.
    const after = await this.store.find(session);
    if (after && constantTimeEqual(after.currentHash, hashRefreshToken(successor))) return this.pairFor(after, successor, now);
    throw new AuthError('INVALID_REFRESH_TOKEN');
  }

  /**
   * A new token pair for a live session whose refresh token must stop working at once (its user
   * changed their password): the replaced token gets no grace window. UNAUTHENTICATED
   * (SESSION_REVOKED) when the session is gone.
   */
  async reissue(ref: SessionRef): Promise<TokenPair> {
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const session = await this.store.find(ref);
      if (!session) break;
      const refreshToken = newRefreshToken(ref);
      const now = this.clock.now();
      // A refresh racing this one rotated first: read the session again and replace that token.
      if (await this.store.replace(ref, session.currentHash, hashRefreshToken(refreshToken), now)) return this.pairFor({ ...session, lastUsedAt: now }, refreshToken, now);
    }
    throw new AuthError('UNAUTHENTICATED', { extras: { loginState: 'SESSION_REVOKED' } });
  }

  /**
   * True when an access token's session may still be used. Answered from memory while the
   * session is known live and the change feeds are listening; otherwise the store is asked.
   */
  async isLive(ref: SessionRef): Promise<boolean> {
    const now = this.clock.now();
    const known = this.liveness.lookup(ref.id);
    if (known === 'ended') return false;
    if (known && known.userId === ref.userId && this.lifetime.isAlive(known, now)) return true;
    const ticket = this.liveness.ticket();
    const session = await this.store.find(ref);
    if (!session) {
      this.liveness.ended([ref.id]);
      return false;
    }
    if (!this.lifetime.isAlive(session, now)) return false;
    this.liveness.remember(session, ticket);
    return true;
  }

  /** The user's live sessions, most recently used first. */
  async list(userId: string): Promise<DeviceSession[]> {
    const now = this.clock.now();
    const stored = await this.store.listForUser(userId);
    return stored
      .filter((session) => this.lifetime.isAlive(session, now))
      .map((session) => ({
        id: session.id,
        createdAt: session.createdAt,
        lastUsedAt: session.lastUsedAt,
        expiresAt: this.lifetime.deadline(session),
        userAgent: session.userAgent,
        ip: session.ip,
      }));
  }

  /**
   * Ends one of the user's sessions; false when it was already gone, had ended by its lifetime
   * (it is cleaned up all the same) or is not theirs.
   */
  async end(ref: SessionRef): Promise<boolean> {
    const deleted = await this.store.delete(ref);
    if (!deleted) return false;
    this.liveness.ended([ref.id]);
    return this.lifetime.isAlive(deleted, this.clock.now());
  }

  /** Ends every session of a user; returns how many there were. */
  async endAll(userId: string): Promise<number> {
    const ended = await this.store.deleteForUser(userId);
    this.liveness.ended(ended);
    return ended.length;
  }

  /** Ends every session of a user but `keepId` (the caller's own, after a change they made). */
  async endOthers(userId: string, keepId: string | null): Promise<void> {
    if (keepId === null) {
      await this.endAll(userId);
      return;
    }
    for (const session of await this.store.listForUser(userId)) {
      if (session.id !== keepId) await this.end(session);
    }
  }

  /**
   * Ends the session of a refresh token (the live one or the one just rotated out) and names it;
   * null when none matches or the session had already expired (it is cleaned up all the same).
   */
  async endByRefreshToken(refreshToken: string): Promise<SessionRef | null> {
    // Only the live token and the one just rotated out end a session: older ones are not searched for.
    const { session, presented } = await this.findByRefreshToken(refreshToken, { ancestors: false });
    if (!session || !presented) return null;
    return (await this.end(session)) ? { userId: session.userId, id: session.id } : null;
  }

  private async findByRefreshToken(refreshToken: string, options: { ancestors: boolean }): Promise<{ session: SessionRecord | null; presented: Presented | null }> {
    const ref = parseRefreshToken(refreshToken);
    if (!ref) return { session: null, presented: null };
    const session = await this.store.find(ref);
    if (!session) return { session: null, presented: null };
    return { session, presented: presentedToken(refreshToken, session, options) };
  }

  /** A rotated-out token can only be presented by someone replaying it: end the whole session. */
  private async revokeForReuse(session: SessionRef, client: ClientInfo): Promise<never> {
    await this.end(session);
    this.events.record('refresh_reuse_detected', { userId: session.userId, sessionId: session.id, client });
    throw new AuthError('REFRESH_TOKEN_REUSED');
  }

  private pairFor(session: SessionRecord, refreshToken: string, now: number): TokenPair {
    const access = this.accessTokens.issue(session);
    return {
      userId: session.userId,
      sessionId: session.id,
      accessToken: access.token,
      refreshToken,
      expiresIn: access.expiresIn,
      refreshExpiresIn: Math.max(0, Math.floor((this.lifetime.deadline(session) - now) / 1000)),
    };
  }
}
