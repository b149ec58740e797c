import { AuthError } from '../errors/auth-error.js';
import type { Clock } from '../infra/clock.js';
import type { User } from '../db/entities/index.js';
import type { UserRepository } from '../stores/user-repository.js';
import type { AuthEvents } from './auth-events.js';
import { checkNewPassword, checkPasswordSize, normalizeEmail, normalizeNickname } from './credential-policy.js';
import type { Passwords } from './passwords.js';
import type { RateLimits } from './rate-limits.js';
import type { ClientInfo, Sessions, TokenPair } from './sessions.js';

export interface SignedIn {
  user: User;
  tokens: TokenPair;
  isNewUser: boolean;
}

/** Email + password sign-up and sign-in. */
export class PasswordAuth {
  constructor(
    private readonly passwords: Passwords,
    private readonly sessions: Sessions,
    private readonly limits: RateLimits,
    private readonly events: AuthEvents,
    private readonly clock: Clock,
  ) {}

  async signUp(users: UserRepository, input: { email: string; password: string; nickname: string }, client: ClientInfo): Promise<SignedIn> {
    // Every check runs before bcrypt, so oversized or malformed input costs nothing.
    const email = normalizeEmail(input.email);
    checkNewPassword(input.password);
    const nickname = normalizeNickname(input.nickname);
    await this.limits.signUp(client);
    if (await users.findByEmail(email)) throw new AuthError('EMAIL_TAKEN');
    const passwordHash = await this.passwords.hash(input.password);
    const user = await users.create({ email, passwordHash, nickname }, new Date(this.clock.now()));
    try {
      const tokens = await this.sessions.start(user.id, client);
      this.events.record('sign_up', { userId: user.id, sessionId: tokens.sessionId, client });
      return { user, tokens, isNewUser: true };
    } catch (error) {
      // No half-written sign-up: without a session the account goes too, so a retry can succeed.
      await users.remove(user);
      throw error;
    }
  }

  /** Unknown email, wrong password and password-less account all fail alike, in about the same time. */
  async signIn(users: UserRepository, input: { email: string; password: string }, client: ClientInfo): Promise<SignedIn> {
    const email = normalizeEmail(input.email);
    checkPasswordSize(input.password);
    // Counted before any lookup or hashing: a refused attempt costs nothing.
    const attempt = await this.limits.signIn(email, client).catch((error: unknown) => {
      if (error instanceof AuthError && error.code === 'RATE_LIMITED') this.events.record('sign_in_failed', { client, detail: { reason: 'rate_limited' } });
      throw error;
    });
    const user = await users.findByEmail(email);
    const matches = await this.passwords.matches(input.password, user?.passwordHash ?? null);
    if (!user || !matches) {
      await attempt.failed();
      this.events.record('sign_in_failed', { userId: user?.id, client, detail: { reason: 'invalid_credentials' } });
      throw new AuthError('INVALID_CREDENTIALS');
    }
    await attempt.succeeded();
    // A hash made with less work than BCRYPT_COST asks for now is upgraded while the password is at hand.
    if (this.passwords.needsRehash(user.passwordHash!)) await users.setPasswordHash(user, await this.passwords.hash(input.password), new Date(this.clock.now()));
    const tokens = await this.sessions.startWhileEnabled(user, client, () => users.isEnabled(user.id));
    if (!tokens) {
      this.events.record('sign_in_failed', { userId: user.id, client, detail: { reason: 'disabled' } });
      throw new AuthError('ACCOUNT_DISABLED');
    }
    this.events.record('sign_in', { userId: user.id, sessionId: tokens.sessionId, client });
    return { user, tokens, isNewUser: false };
  }
}
