import { AuthError } from '../errors/auth-error.js';
import type { StoredUser } from '../stores/user-repository.js';
import type { AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import { checkPasswordSize } from './credential-policy.js';
import type { Passwords } from './passwords.js';
import type { RateLimits } from './rate-limits.js';

/**
 * Asking a signed-in user for their password again before a change that matters (ASVS V6.2): a
 * missing or wrong one is INVALID_CREDENTIALS and counts like a failed sign-in, so a stolen
 * access token cannot be used to guess it.
 */
export class Reauthentication {
  constructor(
    private readonly passwords: Passwords,
    private readonly limits: RateLimits,
    private readonly events: AuthEvents,
  ) {}

  /** Passes when the account has no password, or `password` is it. */
  async confirm(user: StoredUser, password: string | null, client: ClientInfo): Promise<void> {
    if (user.passwordHash === null) return;
    if (password !== null) checkPasswordSize(password);
    const facts = { userId: user.id, client, detail: { reason: 'reauthentication' } };
    const attempt = await this.limits.signIn(user.email ?? user.id, client, null, this.events.refusals('sign_in_failed', { ...facts, detail: { reason: 'rate_limited' } }));
    if (password === null || !(await this.passwords.matches(password, user.passwordHash))) {
      await attempt.failed();
      this.events.record('sign_in_failed', facts);
      throw new AuthError('INVALID_CREDENTIALS');
    }
    await attempt.succeeded();
  }
}
