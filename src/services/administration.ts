import type { Clock } from '../infra/clock.js';
import type { AuditRecord, AuditTrail } from '../stores/audit-trail.js';
import type { SigningKeyStore } from '../stores/signing-key-store.js';
import type { StoredUser, UserRepository } from '../stores/user-repository.js';
import type { AuthEvents } from './auth-events.js';
import { checkNewPassword, normalizeEmail, normalizeNickname } from './credential-policy.js';
import type { Passwords } from './passwords.js';
import type { SecondFactor } from './second-factor.js';
import type { DeviceSession } from './device-session.js';
import type { Sessions } from './sessions.js';
import { KEY_PUBLISH_AHEAD_MS } from './signing-keyring.js';
import { generateSigningKey } from './signing-keys.js';
import { profileOf, type UserProfile } from './user-profile.js';

/** Raised for an admin command that cannot be carried out; the message says why. */
export class AdminError extends Error {}

export interface KeyRotation {
  kid: string;
  activeFrom: Date;
  /** When the last token signed by an older key expires. */
  olderKeysVerifyUntil: Date;
}

/** Every admin action is recorded with this as `detail.by`. */
const ACTOR = { by: 'admin' };

/**
 * What an operator does by hand (`npm run admin`): accounts, sessions and keys. Every change is
 * an auth event, and takes effect on running gateways through the usual announcements.
 */
export class Administration {
  constructor(
    private readonly users: () => UserRepository,
    private readonly sessions: Sessions,
    private readonly passwords: Passwords,
    private readonly signingKeys: SigningKeyStore,
    private readonly events: AuthEvents,
    private readonly trail: AuditTrail,
    private readonly secondFactor: SecondFactor,
    private readonly policy: { accessTokenTtlMs: number; jwtPrivateKeyPem: string | null },
    private readonly clock: Clock,
  ) {}

  /** A password account, checked by the same rules as sign-up. */
  async createUser(input: { email: string; password: string; nickname: string }): Promise<UserProfile> {
    const email = normalizeEmail(input.email);
    checkNewPassword(input.password);
    const nickname = normalizeNickname(input.nickname);
    const users = this.users();
    const user = await users.create({ email, passwordHash: await this.passwords.hash(input.password), nickname }, this.now());
    this.events.record('user_created', { userId: user.id, detail: ACTOR });
    return profileOf(user);
  }

  /** Disables the account and ends its sessions: no sign-in, refresh or access token works for it. */
  async disable(who: string): Promise<{ user: UserProfile; sessionsEnded: number }> {
    const users = this.users();
    const user = await this.find(users, who);
    const disabledAt = user.disabledAt ?? this.now();
    if (user.disabledAt === null) await users.setDisabledAt(user.id, disabledAt, this.now());
    const sessionsEnded = await this.sessions.endAll(user.id);
    this.events.record('user_disabled', { userId: user.id, detail: { ...ACTOR, sessionsEnded } });
    return { user: profileOf({ ...user, disabledAt }), sessionsEnded };
  }

  async enable(who: string): Promise<UserProfile> {
    const users = this.users();
    const user = await this.find(users, who);
    if (user.disabledAt !== null) await users.setDisabledAt(user.id, null, this.now());
    this.events.record('user_enabled', { userId: user.id, detail: ACTOR });
    return profileOf({ ...user, disabledAt: null });
  }

  async revokeSessions(who: string): Promise<{ user: UserProfile; sessionsEnded: number }> {
    const user = await this.find(this.users(), who);
    const sessionsEnded = await this.sessions.endAll(user.id);
    this.events.record('sessions_revoked', { userId: user.id, detail: { ...ACTOR, sessionsEnded } });
    return { user: profileOf(user), sessionsEnded };
  }

  /** For a user who lost their authenticator: TOTP, recovery codes and passkeys go, sessions end, a mail tells them. */
  async resetMfa(who: string): Promise<{ user: UserProfile; totpRemoved: boolean; passkeysRemoved: number; sessionsEnded: number }> {
    const user = await this.find(this.users(), who);
    const reset = await this.secondFactor.reset(user, ACTOR.by);
    return { user: profileOf({ ...user, mfaEnabled: false }), ...reset };
  }

  async listSessions(who: string): Promise<{ user: UserProfile; sessions: DeviceSession[] }> {
    const user = await this.find(this.users(), who);
    return { user: profileOf(user), sessions: await this.sessions.list(user.id) };
  }

  /** The user's latest audit events, newest first (written a fraction of a second after they happen). */
  async recentEvents(who: string, limit: number): Promise<{ user: UserProfile; events: AuditRecord[] }> {
    const user = await this.find(this.users(), who);
    return { user: profileOf(user), events: await this.trail.recentForUser(user.id, limit) };
  }

  /**
   * Starts a new generated signing key. It is published in JWKS at once and signs after
   * KEY_PUBLISH_AHEAD (routers polling JWKS know it first); `immediately` skips the wait. Older
   * keys verify until their tokens expire: nobody is logged out.
   */
  async rotateKeys(immediately: boolean): Promise<KeyRotation> {
    if (this.policy.jwtPrivateKeyPem !== null) {
      throw new AdminError('The signing key comes from JWT_PRIVATE_KEY(_FILE): set the new key there and restart the gateways instead.');
    }
    const now = this.now();
    const activeFrom = new Date(now.getTime() + (immediately ? 0 : KEY_PUBLISH_AHEAD_MS));
    const kid = await this.signingKeys.rotate(generateSigningKey, now, activeFrom);
    this.events.record('keys_rotated', { detail: { ...ACTOR, kid, activeFrom: activeFrom.toISOString() } });
    return { kid, activeFrom, olderKeysVerifyUntil: new Date(activeFrom.getTime() + this.policy.accessTokenTtlMs) };
  }

  /** A user by id or by email. */
  private async find(users: UserRepository, who: string): Promise<StoredUser> {
    const user = who.includes('@') ? await users.findByEmail(who.trim().toLowerCase()) : await users.findById(who.trim().toLowerCase());
    if (!user) throw new AdminError(`no user with ${who.includes('@') ? 'email' : 'id'} ${who}`);
    return user;
  }

  private now(): Date {
    return new Date(this.clock.now());
  }
}
