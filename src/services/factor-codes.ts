import type { Clock } from '../infra/clock.js';
import type { KeySealer } from '../infra/key-sealer.js';
import type { AccountStore } from '../stores/account-store.js';
import type { StoredUser } from '../stores/user-repository.js';
import type { AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import { countedCheck } from './counted-check.js';
import type { RateLimits } from './rate-limits.js';
import { hashRecoveryCode, looksLikeRecoveryCode } from './recovery-codes.js';
import { matchingStep } from './totp.js';

/** What completeMfa accepts, as the contract's MfaMethod enum names them (MFA_REQUIRED lists them). */
export const MFA_METHODS = ['TOTP', 'RECOVERY_CODE'] as const;

/** Sealed TOTP secrets are bound to their user: moved to another row, one does not open. */
export function totpSealContext(userId: string): string {
  return `totp:${userId}`;
}

/**
 * Checks a second factor's code wherever one is asked for (completeMfa, a change that matters).
 * Every check counts like a sign-in attempt against the account's lock, so a stolen password or
 * access token cannot be used to guess codes.
 */
export class FactorCodes {
  constructor(
    private readonly accounts: AccountStore,
    private readonly sealer: KeySealer,
    private readonly limits: RateLimits,
    private readonly events: AuthEvents,
    private readonly clock: Clock,
  ) {}

  /** With MFA on, `code` must be a valid TOTP or recovery code: INVALID_MFA_CODE otherwise (counted). */
  async require(user: StoredUser, code: string | null, client: ClientInfo): Promise<void> {
    if (!user.mfaEnabled) return;
    await this.counted(user, client, async () => code !== null && (await this.use(user.id, code, client)));
  }

  /**
   * Uses `code` for the user: a TOTP code of a step not used before, or an unused recovery code.
   * False when it is neither. The attempt is not counted here: callers run this inside `counted`.
   */
  async use(userId: string, code: string, client: ClientInfo): Promise<boolean> {
    const factors = this.accounts.factors();
    const now = this.clock.now();
    if (looksLikeRecoveryCode(code)) {
      if (!(await factors.useRecoveryCode(userId, hashRecoveryCode(code), new Date(now)))) return false;
      this.events.record('recovery_code_used', { userId, client });
      return true;
    }
    const totp = await factors.totp(userId);
    if (!totp?.confirmed) return false;
    const step = this.stepOf(userId, totp.sealedSecret, code.trim(), now);
    return step !== null && (await factors.acceptStep(userId, step));
  }

  /** The TOTP step `code` is the code of under the user's sealed secret, within the skew; null when none. */
  stepOf(userId: string, sealedSecret: string, code: string, now: number): number | null {
    return matchingStep(this.sealer.open(sealedSecret, totpSealContext(userId)), code, now);
  }

  /** Runs a code check as one sign-in attempt on the account: a refusal, or a false check, is INVALID_MFA_CODE. */
  counted(user: Pick<StoredUser, 'id' | 'email'>, client: ClientInfo, check: () => Promise<boolean>): Promise<void> {
    return countedCheck(this.limits, this.events, user, client, { event: 'mfa_code_failed', reason: 'mfa_code', error: 'INVALID_MFA_CODE' }, check);
  }
}
