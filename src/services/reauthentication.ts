import type { StoredUser } from '../stores/user-repository.js';
import type { AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import { countedCheck } from './counted-check.js';
import type { FactorCodes } from './factor-codes.js';
import { checkPasswordSize } from './credential-policy.js';
import type { Passwords } from './passwords.js';
import type { RateLimits } from './rate-limits.js';

/** What a change that matters asks for: the password (when the account has one) and, with MFA on, a code. */
export interface Proof {
  password: string | null;
  code: string | null;
}

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
  async confirm(user: StoredUser, proof: Proof, client: ClientInfo): Promise<void> {
    await this.confirmPassword(user, proof.password, client);
    await this.codes.require(user, proof.code, client);
  }

  private async confirmPassword(user: StoredUser, password: string | null, client: ClientInfo): Promise<void> {
    if (user.passwordHash === null) return;
    if (password !== null) checkPasswordSize(password);
    const hash = user.passwordHash;
    await countedCheck(this.limits, this.events, user, client, { event: 'sign_in_failed', reason: 'reauthentication', error: 'INVALID_CREDENTIALS' }, async () =>
      password !== null && (await this.passwords.matches(password, hash)),
    );
  }
}
