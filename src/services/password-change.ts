import type { Clock } from '../infra/clock.js';
import type { AccountStore } from '../stores/account-store.js';
import type { AccountMail } from './account-mail.js';
import type { AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import { checkNewPassword } from './credential-policy.js';
import { type Login, signedInAccount } from './login.js';
import type { OneTimeTokens } from './one-time-tokens.js';
import type { SignedIn } from './signed-in.js';
import type { Passwords } from './passwords.js';
import type { Reauthentication } from './reauthentication.js';
import type { Sessions } from './sessions.js';
import { profileOf } from './user-profile.js';

/** A signed-in user changes (or, without one, sets) their password. */
export class PasswordChange {
  constructor(
    private readonly accounts: AccountStore,
    private readonly tokens: OneTimeTokens,
    private readonly mail: AccountMail,
    private readonly passwords: Passwords,
    private readonly reauthentication: Reauthentication,
    private readonly sessions: Sessions,
    private readonly events: AuthEvents,
    private readonly clock: Clock,
  ) {}

  /**
   * Needs the current password when there is one, and a code when MFA is on. Every session of the user ends, this one
   * included, before the change commits; the answer is a fresh pair in a new session for this
   * client, so nothing issued under the old password stays usable (OWASP: renew the session
   * after a credential change). A notice goes to the account's address.
   */
  async change(login: Login, proof: { currentPassword: string | null; code: string | null }, newPassword: string, client: ClientInfo): Promise<SignedIn> {
    const { claims, user } = await signedInAccount(login, this.accounts.users());
    checkNewPassword(newPassword, 'newPassword');
    const { userId, sessionId } = claims;
    await this.reauthentication.confirm(user, { password: proof.currentPassword, code: proof.code }, client);
    const passwordHash = await this.passwords.hash(newPassword);
    await this.accounts.transaction(async (writes) => {
      await writes.users.lockUser(userId);
      await writes.users.setPassword(userId, passwordHash, new Date(this.clock.now()), null);
      writes.userChanged(userId);
      await this.tokens.voidAll(writes.tokens, userId, ['reset_password']);
      await this.sessions.endOthers(userId, sessionId);
      await this.mail.queueNotice(writes.outbox, 'password_changed', { userId, email: user.email }, client);
    });
    this.mail.committed();
    const tokens = await this.sessions.reissue({ userId, id: sessionId });
    this.events.record('password_changed', { userId, sessionId: tokens.sessionId, client });
    return { user: profileOf({ ...user, passwordHash }), tokens, isNewUser: false };
  }
}
