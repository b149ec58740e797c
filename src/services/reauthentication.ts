import { AuthError } from '../errors/auth-error.js';
import type { StoredUser } from '../stores/user-repository.js';
import type { AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import type { FactorCodes } from './factor-codes.js';
import { checkPasswordSize } from './credential-policy.js';
import type { Passwords } from './passwords.js';
import type { RateLimits } from './rate-limits.js';

/**
 * Asking a signed-in user for their password again before a change that matters (ASVS V6.2): a
 * missing or wrong one is INVALID_CREDENTIALS and counts like a failed sign-in, so a stolen
 * access token cannot be used to guess it. With MFA on, a code is asked for too.
 */
export class Reauthentication {
  constructor(
    private readonly passwords: Passwords,
    private readonly limits: RateLimits,
    private readonly events: AuthEvents,
    private readonly codes: FactorCodes,
  ) {}

  /**
   * Passes when `password` is the account's (or it has none) and, with MFA on, `code` is a valid
   * TOTP or recovery code (INVALID_MFA_CODE otherwise).
   */
  async confirm(user: StoredUser, proof: { password: string | null; code?: string | null }, client: ClientInfo): Promise<void> {
    await this.confirmPassword(user, proof.password, client);
    await this.codes.require(user, proof.code ?? null, client);
  }

  private async confirmPassword(user: StoredUser, password: string | null, client: ClientInfo): Promise<void> {
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
