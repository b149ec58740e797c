import type { AccountStore } from '../stores/account-store.js';
import type { AccountMail } from './account-mail.js';
import type { AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import { type Login, signedInAccount } from './login.js';
import type { Proof, Reauthentication } from './reauthentication.js';
import type { Sessions } from './sessions.js';

/** A user deletes their own account. */
export class AccountDeletion {
  constructor(
    private readonly accounts: AccountStore,
    private readonly mail: AccountMail,
    private readonly reauthentication: Reauthentication,
    private readonly sessions: Sessions,
    private readonly events: AuthEvents,
  ) {}

  /**
   * Needs the password when the account has one, and a code when MFA is on. Every session ends and the user's row goes, with
   * its email, nickname, password, provider links and tokens; the email is free for a new
   * sign-up at once. Audit rows stay, naming the user by id only. A notice goes to the address.
   */
  async delete(login: Login, proof: Proof, client: ClientInfo): Promise<boolean> {
    const { claims, user } = await signedInAccount(login, this.accounts.users());
    const userId = claims.userId;
    await this.reauthentication.confirm(user, proof, client);
    await this.accounts.transaction(async (writes) => {
      await writes.users.lockUser(userId);
      await this.sessions.endAll(userId);
      await this.mail.queueNotice(writes.outbox, 'account_deleted', { userId, email: user.email }, client);
      await writes.users.remove(userId);
      writes.userChanged(userId);
    });
    this.mail.committed();
    this.events.record('account_deleted', { userId, client });
    return true;
  }
}
