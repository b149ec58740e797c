import type { EntityManager } from '@mikro-orm/postgresql';
import { User } from '../db/entities/index.js';
import { whileAvailable } from './store-failure.js';

const NO_EMAIL_CHANGE = { pendingEmail: null, pendingEmailConfirmedNew: false, pendingEmailConfirmedCurrent: false };

/** What a user's email is and is becoming: verification and changes, through one operation's EntityManager. */
export class UserEmails {
  constructor(private readonly em: EntityManager) {}

  /** Whether any account holds this normalised email. */
  async emailTaken(email: string): Promise<boolean> {
    const rows: unknown[] = await whileAvailable('database', () => this.em.execute('select 1 from users where email = ?', [email]));
    return rows.length > 0;
  }

  /**
   * Marks `email` verified: the account's own email, or, for an account without one, an email a
   * linked provider reported, which becomes the account's. False when it is neither (it changed
   * since the link was sent). Another account holding that email: UniqueConflict.
   */
  async verifyEmail(userId: string, email: string, now: Date): Promise<boolean> {
    const own = await whileAvailable('database', () => this.em.nativeUpdate(User, { id: userId, email }, { emailVerified: true, updatedAt: now }));
    if (own > 0) return true;
    const rows: unknown[] = await whileAvailable('database', () =>
      this.em.execute(
        'update users set email = ?, email_verified = true, updated_at = ? where id = ? and email is null and exists (select 1 from oauth_identities where user_id = ? and lower(trim(email)) = ?) returning 1',
        [email, now, userId, userId, email],
      ),
    );
    return rows.length > 0;
  }

  /** Starts an email change; `currentConfirmed`: the current address need not confirm it (it was never verified). */
  async startEmailChange(userId: string, newEmail: string, currentConfirmed: boolean, now: Date): Promise<void> {
    await whileAvailable('database', () =>
      this.em.nativeUpdate(User, { id: userId }, { pendingEmail: newEmail, pendingEmailConfirmedNew: false, pendingEmailConfirmedCurrent: currentConfirmed, updatedAt: now }),
    );
  }

  /**
   * Records that one side of the pending change to `newEmail` confirmed it. `pending`: the other
   * side has yet to; `applied`: both have, the email changed and is verified (`previous` is the
   * old one); `stale`: no such change is pending any more; `taken`: another account holds the
   * new email now (the change is dropped).
   */
  async confirmEmailChange(userId: string, newEmail: string, side: 'new' | 'current', now: Date): Promise<{ outcome: 'pending' | 'stale' | 'taken' } | { outcome: 'applied'; previous: string | null }> {
    const rows: Array<{ email: string | null; confirmed: boolean }> = await whileAvailable('database', () =>
      this.em.execute(
        `update users set ${side === 'new' ? 'pending_email_confirmed_new' : 'pending_email_confirmed_current'} = true, updated_at = ? where id = ? and pending_email = ?
         returning email, pending_email_confirmed_new and pending_email_confirmed_current as confirmed`,
        [now, userId, newEmail],
      ),
    );
    const row = rows[0];
    if (!row) return { outcome: 'stale' };
    if (!row.confirmed) return { outcome: 'pending' };
    if (await this.emailTaken(newEmail)) {
      await this.em.nativeUpdate(User, { id: userId }, { ...NO_EMAIL_CHANGE, updatedAt: now });
      return { outcome: 'taken' };
    }
    await whileAvailable('database', () => this.em.nativeUpdate(User, { id: userId }, { email: newEmail, emailVerified: true, ...NO_EMAIL_CHANGE, updatedAt: now }));
    return { outcome: 'applied', previous: row.email };
  }
}
