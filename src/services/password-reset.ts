import { AuthError } from '../errors/auth-error.js';
import type { Clock } from '../infra/clock.js';
import type { AccountStore } from '../stores/account-store.js';
import type { AccountMail } from './account-mail.js';
import type { AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import { checkNewPassword, normalizeEmail } from './credential-policy.js';
import type { OneTimeTokens } from './one-time-tokens.js';
import type { Passwords } from './passwords.js';
import type { RateLimits } from './rate-limits.js';
import type { Sessions } from './sessions.js';

/** "Forgot password" (OWASP's Forgot Password Cheat Sheet): a link by mail, then a new password. */
export class PasswordReset {
  constructor(
    private readonly accounts: AccountStore,
    private readonly tokens: OneTimeTokens,
    private readonly mail: AccountMail,
    private readonly passwords: Passwords,
    private readonly sessions: Sessions,
    private readonly limits: RateLimits,
    private readonly events: AuthEvents,
    private readonly clock: Clock,
  ) {}

  /**
   * True for every email. An enabled account that has a password, or a verified email, gets a
   * link; the work is the same one statement either way, so the answer's timing tells nothing.
   */
  async request(rawEmail: string, client: ClientInfo): Promise<boolean> {
    const email = normalizeEmail(rawEmail);
    this.mail.checkCanMailLinks();
    await this.limits.mailRequest(client);
    if (!(await this.limits.mailTo(email, 'reset_password'))) {
      this.events.record('password_reset_requested', { client, detail: { mailed: false, reason: 'mail_limit' } });
      return true;
    }
    const issued = this.tokens.create('reset_password');
    const mail = this.mail.linkMail('reset_password', 'reset-password', issued.token, { userId: null, email }, client, { expiresInMs: issued.ttlMs });
    const userId = await this.accounts.tokens().issueForResettableAccount(email, issued, mail);
    if (userId !== null) this.mail.committed();
    this.events.record('password_reset_requested', { userId, client, detail: { mailed: userId !== null } });
    return true;
  }

  /**
   * Sets the new password, marks the email verified (the link proved it is read), voids the
   * user's other reset links and ends every session, all before the change commits; then a
   * notice goes to the address. Answers no tokens: the user signs in with the new password.
   */
  async reset(token: string, newPassword: string, client: ClientInfo): Promise<boolean> {
    checkNewPassword(newPassword, 'newPassword');
    // A token that cannot work costs no bcrypt.
    await this.tokens.check(this.accounts.tokens(), token, 'reset_password', client);
    const passwordHash = await this.passwords.hash(newPassword);
    const userId = await this.accounts.transaction(async (writes) => {
      const used = await this.tokens.consume(writes.tokens, token, 'reset_password', null, client);
      await writes.users.lockUser(used.userId);
      const user = await writes.users.findById(used.userId);
      // The link is bound to the address it went to: an email changed since voids it.
      if (!user || user.email !== used.email) this.tokens.refuse('reset_password', client, used.userId);
      if (user.disabledAt) throw new AuthError('ACCOUNT_DISABLED');
      await writes.users.setPassword(user.id, passwordHash, new Date(this.clock.now()), used.email);
      writes.userChanged(user.id);
      await this.sessions.endAll(user.id);
      await this.mail.queueNotice(writes.outbox, 'password_changed', { userId: user.id, email: user.email }, client);
      return user.id;
    });
    this.mail.committed();
    this.events.record('password_reset', { userId, client });
    return true;
  }
}
