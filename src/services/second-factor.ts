import type { SecondFactorConfig } from '../config/second-factor-config.js';
import { AuthError } from '../errors/auth-error.js';
import type { Clock } from '../infra/clock.js';
import type { KeySealer } from '../infra/key-sealer.js';
import type { AccountStore } from '../stores/account-store.js';
import type { StoredUser } from '../stores/user-repository.js';
import type { AccountMail } from './account-mail.js';
import type { AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import { type Login, signedInAccount } from './login.js';
import type { Reauthentication } from './reauthentication.js';
import { hashRecoveryCode, newRecoveryCodes } from './recovery-codes.js';
import { type FactorCodes, totpSealContext } from './factor-codes.js';
import type { Sessions } from './sessions.js';
import { newTotpSecret, otpauthUri } from './totp.js';

/** A pending enrolment lapses unless confirmed within this time. */
const PENDING_ENROLMENT_MS = 10 * 60_000;

export interface TotpEnrollment {
  secret: string;
  otpauthUri: string;
}

/** TOTP with recovery codes: enrolment, confirmation and disabling. Codes are checked by FactorCodes. */
export class SecondFactor {
  constructor(
    private readonly accounts: AccountStore,
    private readonly sealer: KeySealer,
    private readonly mail: AccountMail,
    private readonly reauthentication: Reauthentication,
    private readonly codes: FactorCodes,
    private readonly sessions: Sessions,
    private readonly events: AuthEvents,
    private readonly config: SecondFactorConfig,
    private readonly clock: Clock,
  ) {}

  /** A new secret, pending until confirmed (password needed when the account has one). */
  async startEnrollment(login: Login, password: string | null, client: ClientInfo): Promise<TotpEnrollment> {
    const { user } = await signedInAccount(login, this.accounts.users());
    if (user.mfaEnabled) throw alreadyOn();
    await this.reauthentication.confirm(user, { password, code: null }, client);
    const secret = newTotpSecret();
    const now = this.clock.now();
    if (!(await this.accounts.factors().startTotp(user.id, this.sealer.seal(secret, totpSealContext(user.id)), new Date(now + PENDING_ENROLMENT_MS), new Date(now)))) throw alreadyOn();
    this.events.record('mfa_enrollment_started', { userId: user.id, client });
    return { secret, otpauthUri: otpauthUri(secret, this.config.totpIssuer, user.email ?? user.nickname) };
  }

  /**
   * Confirms the pending enrolment with a code from the app: MFA is on, ten recovery codes are
   * answered (shown this once), every other session ends and a notice is mailed.
   */
  async confirmEnrollment(login: Login, code: string, client: ClientInfo): Promise<string[]> {
    const { claims, user } = await signedInAccount(login, this.accounts.users());
    const codes = newRecoveryCodes();
    await this.codes.counted(user, client, async () => {
      const now = this.clock.now();
      const totp = await this.accounts.factors().totp(user.id);
      if (!totp || totp.confirmed || totp.pendingUntil === null || totp.pendingUntil <= now) return false;
      const step = this.codes.stepOf(user.id, totp.sealedSecret, code, now);
      if (step === null) return false;
      return this.accounts.transaction(async (writes) => {
        if (!(await writes.factors.confirmTotp(user.id, step, codes.map(hashRecoveryCode), new Date(now)))) return false;
        await this.mail.queueNotice(writes.outbox, 'mfa_enabled', { userId: user.id, email: user.email }, client);
        writes.userChanged(user.id);
        return true;
      });
    });
    this.mail.committed();
    await this.sessions.endOthers(user.id, claims.sessionId);
    this.events.record('mfa_enabled', { userId: user.id, sessionId: claims.sessionId, client });
    return codes;
  }

  /** Turns TOTP off with a current code or a recovery code; false when it was not on. */
  async disable(login: Login, code: string, client: ClientInfo): Promise<boolean> {
    const { claims, user } = await signedInAccount(login, this.accounts.users());
    if (!user.mfaEnabled) return false;
    await this.codes.require(user, code, client);
    await this.accounts.transaction(async (writes) => {
      await writes.factors.removeTotp(user.id, new Date(this.clock.now()));
      await this.mail.queueNotice(writes.outbox, 'mfa_disabled', { userId: user.id, email: user.email }, client);
      writes.userChanged(user.id);
    });
    this.mail.committed();
    this.events.record('mfa_disabled', { userId: user.id, sessionId: claims.sessionId, client });
    return true;
  }
  /**
   * An operator's reset for a user who lost their authenticator: TOTP, recovery codes and
   * passkeys go, every session ends, and the user is mailed. Returns what was removed.
   */
  async reset(user: StoredUser, by: string): Promise<{ totpRemoved: boolean; passkeysRemoved: number; sessionsEnded: number }> {
    const removed = await this.accounts.transaction(async (writes) => {
      const totpRemoved = await writes.factors.removeTotp(user.id, new Date(this.clock.now()));
      const passkeysRemoved = await writes.passkeys.removeAll(user.id);
      await this.mail.queueNotice(writes.outbox, 'mfa_reset', { userId: user.id, email: user.email }, OPERATOR);
      writes.userChanged(user.id);
      return { totpRemoved, passkeysRemoved };
    });
    this.mail.committed();
    const sessionsEnded = await this.sessions.endAll(user.id);
    this.events.record('mfa_reset', { userId: user.id, detail: { by, ...removed, sessionsEnded } });
    return { ...removed, sessionsEnded };
  }
}

/** An operator's command has no HTTP client: mails go in the default language. */
const OPERATOR: ClientInfo = { userAgent: null, ip: null };

function alreadyOn(): AuthError {
  return new AuthError('BAD_USER_INPUT', { message: 'A second factor is on already: disable it before enrolling another.' });
}
