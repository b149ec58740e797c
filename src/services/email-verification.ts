import { badInput } from '../errors/auth-error.js';
import type { Clock } from '../infra/clock.js';
import type { AccountStore, AccountWrites } from '../stores/account-store.js';
import { UniqueConflict } from '../stores/store-failure.js';
import type { NewUser, StoredUser } from '../stores/user-repository.js';
import type { AccountMail } from './account-mail.js';
import type { AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import { type Login, signedInAccount, viewerOf } from './login.js';
import type { OneTimeTokens } from './one-time-tokens.js';
import type { RateLimits } from './rate-limits.js';

/** Proving that a user reads the mail of their address: a link to it, and its use. */
export class EmailVerification {
  constructor(
    private readonly accounts: AccountStore,
    private readonly tokens: OneTimeTokens,
    private readonly mail: AccountMail,
    private readonly limits: RateLimits,
    private readonly events: AuthEvents,
    private readonly clock: Clock,
  ) {}

  /**
   * Mails a link to the account's unverified email or, for an account without one, to the email
   * a provider reported. True also when there is nothing to verify or the address's mail limit
   * is reached (then nothing is sent).
   */
  async request(login: Login, client: ClientInfo): Promise<boolean> {
    const { claims, user } = await signedInAccount(login, this.accounts.users());
    const userId = claims.userId;
    if (user.email !== null && user.emailVerified) return true;
    const email = user.email ?? user.providerEmails[0] ?? null;
    if (email === null) throw badInput('email', 'The account has no email address to verify.');
    this.mail.checkCanMailLinks();
    await this.limits.mailRequest(client);
    if (!(await this.limits.mailTo(email, 'verify_email'))) return true;
    await this.accounts.transaction((writes) => this.queueLink(writes, { userId, email }, client));
    this.mail.committed();
    this.events.record('email_verification_requested', { userId, client });
    return true;
  }

  /**
   * A password account that gets no session until its email is verified
   * (REQUIRE_EMAIL_VERIFICATION): created, with the link mailed, in one transaction.
   */
  async createUnverifiedAccount(fields: NewUser, client: ClientInfo): Promise<StoredUser> {
    this.mail.checkCanMailLinks();
    const mailed = await this.limits.mailTo(fields.email, 'verify_email');
    const user = await this.accounts.transaction(async (writes) => {
      const created = await writes.users.create(fields, new Date(this.clock.now()));
      if (mailed) await this.queueLink(writes, { userId: created.id, email: fields.email }, client);
      return created;
    });
    this.mail.committed();
    this.events.record('email_verification_requested', { userId: user.id, client, detail: { mailed } });
    return user;
  }

  /** In the caller's transaction: a verification token for `email` and the mail carrying it. */
  async queueLink(writes: AccountWrites, owner: { userId: string; email: string }, client: ClientInfo): Promise<void> {
    const issued = await this.tokens.issue(writes.tokens, 'verify_email', owner);
    await writes.outbox.enqueue(this.mail.linkMail('verify_email', 'verify-email', issued.token, owner, client, { expiresInMs: issued.ttlMs }));
  }

  /** Marks verified the email the token was sent to, if it is still the account's (or a provider's, for an account without one). */
  async verify(token: string, login: Login, client: ClientInfo): Promise<boolean> {
    try {
      const userId = await this.accounts.transaction(async (writes) => {
        const used = await this.tokens.consume(writes.tokens, token, 'verify_email', viewerOf(login), client);
        if (!(await writes.emails.verifyEmail(used.userId, used.email, new Date(this.clock.now())))) this.tokens.refuse('verify_email', client, used.userId);
        writes.userChanged(used.userId);
        return used.userId;
      });
      this.events.record('email_verified', { userId, client });
      return true;
    } catch (error) {
      // Another account took the provider's address meanwhile: this one can never have it.
      if (error instanceof UniqueConflict) this.tokens.refuse('verify_email', client);
      throw error;
    }
  }
}
