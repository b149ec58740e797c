import { AuthError } from '../errors/auth-error.js';
import type { Clock } from '../infra/clock.js';
import type { SignInStanding, UserRepository } from '../stores/user-repository.js';
import type { AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import type { DeviceTokens } from './device-tokens.js';
import type { EmailVerification } from './email-verification.js';
import { checkNewPassword, checkPasswordSize, normalizeEmail, normalizeNickname } from './credential-policy.js';
import type { Passwords } from './passwords.js';
import type { RateLimits } from './rate-limits.js';
import type { SecondStep } from './second-step.js';
import type { Sessions } from './sessions.js';
import type { SignedIn } from './signed-in.js';
import { profileOf } from './user-profile.js';

/** Email + password sign-up and sign-in. */
export class PasswordAuth {
  /** `users`: a repository on a fresh EntityManager, one per operation. */
  constructor(
    private readonly users: () => UserRepository,
    private readonly passwords: Passwords,
    private readonly sessions: Sessions,
    private readonly limits: RateLimits,
    private readonly events: AuthEvents,
    private readonly deviceTokens: DeviceTokens,
    private readonly secondStep: SecondStep,
    private readonly clock: Clock,
    /** Set when REQUIRE_EMAIL_VERIFICATION holds password accounts back until their email is verified. */
    private readonly requiredVerification: EmailVerification | null = null,
  ) {}

  async signUp(input: { email: string; password: string; nickname: string }, client: ClientInfo): Promise<SignedIn> {
    // Every check runs before bcrypt, so oversized or malformed input costs nothing.
    const email = normalizeEmail(input.email);
    checkNewPassword(input.password);
    const nickname = normalizeNickname(input.nickname);
    await this.limits.signUp(client);
    const users = this.users();
    if (await users.findByEmail(email)) throw new AuthError('EMAIL_TAKEN');
    const passwordHash = await this.passwords.hash(input.password);
    if (this.requiredVerification) {
      const created = await this.requiredVerification.createUnverifiedAccount({ email, passwordHash, nickname }, client);
      this.events.record('sign_up', { userId: created.id, client, detail: { emailVerified: false } });
      throw new AuthError('EMAIL_NOT_VERIFIED');
    }
    const user = await users.create({ email, passwordHash, nickname }, new Date(this.clock.now()));
    try {
      const tokens = await this.sessions.start(user.id, client, ['pwd']);
      this.events.record('sign_up', { userId: user.id, sessionId: tokens.sessionId, client });
      return { user: profileOf(user), tokens, isNewUser: true };
    } catch (error) {
      // No half-written sign-up: without a session the account goes too, so a retry can succeed.
      await users.remove(user.id);
      throw error;
    }
  }

  /** Unknown email, wrong password and password-less account all fail alike, in about the same time. */
  async signIn(input: { email: string; password: string; deviceToken?: string | null }, client: ClientInfo): Promise<SignedIn> {
    const email = normalizeEmail(input.email);
    checkPasswordSize(input.password);
    const deviceId = this.deviceTokens.deviceOf(input.deviceToken ?? null, email);
    // Counted before any lookup or hashing: a refused attempt costs nothing. A burst of refusals
    // is one audit row per window, and a count in the metrics.
    const attempt = await this.limits.signIn(email, client, deviceId, this.events.refusals('sign_in_failed', { client, detail: { reason: 'rate_limited' } }));
    const users = this.users();
    const user = await users.findByEmail(email);
    const matches = await this.passwords.matches(input.password, user?.passwordHash ?? null);
    if (!user || !matches) {
      await attempt.failed();
      this.events.record('sign_in_failed', { userId: user?.id, client, detail: { reason: 'invalid_credentials' } });
      throw new AuthError('INVALID_CREDENTIALS');
    }
    await attempt.succeeded();
    // Said only after the right password, so it tells a stranger nothing about the account.
    if (this.requiredVerification && !user.emailVerified) {
      this.events.record('sign_in_failed', { userId: user.id, client, detail: { reason: 'email_not_verified' } });
      throw new AuthError('EMAIL_NOT_VERIFIED');
    }
    const passwordHash = await this.upgradedHash(users, user.id, user.passwordHash!, input.password);
    // With MFA on, the right password earns a challenge, not a session.
    await this.secondStep.challengeIfOn({ ...user, passwordHash }, ['pwd'], client);
    // The password was checked against the hash read before bcrypt ran. If it changed or went
    // meanwhile (a verified social login took the account over, say), whoever removed it ended
    // the sessions there were, under the user's lock; asking again, under that lock, once this
    // session exists ends this one too.
    const standing: { now: SignInStanding } = { now: 'ok' };
    const tokens = await this.sessions.startWhileEnabled(user, client, ['pwd'], async () => (standing.now = await users.signInStanding(user.id, passwordHash)) === 'ok');
    if (!tokens) {
      const disabled = user.disabledAt !== null || standing.now === 'disabled';
      this.events.record('sign_in_failed', { userId: user.id, client, detail: { reason: disabled ? 'disabled' : 'password_changed' } });
      throw new AuthError(disabled ? 'ACCOUNT_DISABLED' : 'INVALID_CREDENTIALS');
    }
    this.events.record('sign_in', { userId: user.id, sessionId: tokens.sessionId, client });
    return { user: profileOf(user), tokens, isNewUser: false, deviceToken: this.deviceTokens.issue(email) };
  }

  /**
   * A hash made with less work than BCRYPT_COST asks for now is upgraded while the password is at
   * hand, only where the stored hash is still the one checked: a password removed or changed
   * meanwhile is never written back. Returns the hash now stored (as far as this sign-in knows).
   */
  private async upgradedHash(users: UserRepository, userId: string, checked: string, password: string): Promise<string> {
    if (!this.passwords.needsRehash(checked)) return checked;
    const upgraded = await this.passwords.hash(password);
    return (await users.replacePasswordHash(userId, checked, upgraded, new Date(this.clock.now()))) ? upgraded : checked;
  }
}
