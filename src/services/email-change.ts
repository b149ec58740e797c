import { badInput } from '../errors/auth-error.js';
import type { Clock } from '../infra/clock.js';
import type { AccountStore } from '../stores/account-store.js';
import { UniqueConflict } from '../stores/store-failure.js';
import type { AccountMail } from './account-mail.js';
import type { AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import { normalizeEmail } from './credential-policy.js';
import { type Login, signedInAccount, viewerOf } from './login.js';
import type { OneTimeTokens, TokenPurpose } from './one-time-tokens.js';
import type { RateLimits } from './rate-limits.js';
import type { Proof, Reauthentication } from './reauthentication.js';
import type { Sessions } from './sessions.js';

/** Each side of a change has its own link, so using one does not void the other. */
const CHANGE_PURPOSES: readonly TokenPurpose[] = ['change_email_new', 'change_email_current'];

/**
 * Moving an account to another address: a link to the new address, and, when the current one is
 * verified, a second link to it; the change applies once both are used, in either order.
 */
export class EmailChange {
  constructor(
    private readonly accounts: AccountStore,
    private readonly tokens: OneTimeTokens,
    private readonly mail: AccountMail,
    private readonly reauthentication: Reauthentication,
    private readonly sessions: Sessions,
    private readonly limits: RateLimits,
    private readonly events: AuthEvents,
    private readonly clock: Clock,
  ) {}

  /**
   * Needs the password when the account has one. A new address another account holds is answered
   * like any other and is shown as pending, but no link goes to it, so the change never completes
   * and the answer tells nothing about that account. A new request replaces an earlier one.
   */
  async request(login: Login, rawNewEmail: string, proof: Proof, client: ClientInfo): Promise<boolean> {
    const { claims, user } = await signedInAccount(login, this.accounts.users());
    const userId = claims.userId;
    const newEmail = normalizeEmail(rawNewEmail, 'newEmail');
    await this.reauthentication.confirm(user, proof, client);
    if (newEmail === user.email) throw badInput('newEmail', 'This is already the account\'s email address.');
    this.mail.checkCanMailLinks();
    await this.limits.mailRequest(client);
    const current = user.email !== null && user.emailVerified ? user.email : null;
    const toNew = !(await this.accounts.emails().emailTaken(newEmail)) && (await this.limits.mailTo(newEmail, 'change_email'));
    const toCurrent = current !== null && (await this.limits.mailTo(current, 'change_email'));
    await this.accounts.transaction(async (writes) => {
      await writes.users.lockUser(userId);
      await this.tokens.voidAll(writes.tokens, userId, CHANGE_PURPOSES);
      await writes.emails.startEmailChange(userId, newEmail, current === null, new Date(this.clock.now()));
      writes.userChanged(userId);
      const links = [...(toNew ? [{ email: newEmail, purpose: 'change_email_new' as const }] : []), ...(toCurrent ? [{ email: current, purpose: 'change_email_current' as const }] : [])];
      for (const link of links) {
        const issued = await this.tokens.issue(writes.tokens, link.purpose, { userId, email: link.email, newEmail });
        await writes.outbox.enqueue(this.mail.linkMail(link.purpose, 'confirm-email-change', issued.token, { userId, email: link.email }, client, { newEmail, expiresInMs: issued.ttlMs }));
      }
    });
    this.mail.committed();
    this.events.record('email_change_requested', { userId, client, detail: { confirmCurrent: current !== null } });
    return true;
  }

  /**
   * Uses one of the change's links. When it was the last one needed, the email changes (and is
   * verified), the old address gets a notice, every other session ends, and links bound to the
   * old address die with it.
   */
  async confirm(token: string, login: Login, client: ClientInfo): Promise<boolean> {
    const viewer = viewerOf(login);
    const { userId, outcome } = await this.accounts.transaction(async (writes) => {
      const used = await this.tokens.consume(writes.tokens, token, CHANGE_PURPOSES, viewer, client);
      const newEmail = used.newEmail!;
      await writes.users.lockUser(used.userId);
      const now = new Date(this.clock.now());
      const result = await writes.emails.confirmEmailChange(used.userId, newEmail, used.purpose === 'change_email_new' ? 'new' : 'current', now);
      if (result.outcome === 'stale') this.tokens.refuse(used.purpose, client, used.userId);
      writes.userChanged(used.userId);
      if (result.outcome === 'taken') await this.tokens.voidAll(writes.tokens, used.userId, CHANGE_PURPOSES);
      if (result.outcome === 'applied') {
        await this.tokens.voidAll(writes.tokens, used.userId, [...CHANGE_PURPOSES, 'verify_email', 'reset_password']);
        await this.sessions.endOthers(used.userId, viewer === used.userId ? login.claims!.sessionId : null);
        await this.mail.queueNotice(writes.outbox, 'email_changed', { userId: used.userId, email: result.previous }, client, { newEmail });
      }
      return { userId: used.userId, outcome: result.outcome };
    }).catch((error: unknown) => {
      // Another account took the new address between the check and the write: this change can never complete.
      if (error instanceof UniqueConflict) this.tokens.refuse('change_email_new', client);
      throw error;
    });
    if (outcome === 'taken') this.tokens.refuse('change_email_new', client, userId);
    if (outcome === 'applied') {
      this.mail.committed();
      this.events.record('email_changed', { userId, client });
    } else {
      this.events.record('email_change_confirmed', { userId, client });
    }
    return true;
  }
}
