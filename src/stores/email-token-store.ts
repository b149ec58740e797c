import type { EntityManager } from '@mikro-orm/postgresql';
import { whileAvailable } from './store-failure.js';
import type { QueuedMail } from './mail-outbox.js';

/** What a one-time token was issued for. */
export interface EmailTokenRecord {
  userId: string;
  purpose: string;
  /** The address the link was mailed to. */
  email: string;
  /** change_email: the address the account moves to. */
  newEmail: string | null;
}

export interface NewEmailToken extends EmailTokenRecord {
  tokenHash: string;
  expiresAt: Date;
  createdAt: Date;
}

interface TokenRow {
  user_id: string;
  purpose: string;
  email: string;
  new_email: string | null;
}

/** One-time tokens (only their SHA-256 is kept), through the EntityManager of one operation or transaction. */
export class EmailTokenStore {
  constructor(private readonly em: EntityManager) {}

  async insert(token: NewEmailToken): Promise<void> {
    await whileAvailable('database', () =>
      this.em.execute(
        'insert into one_time_tokens (id, user_id, purpose, email, new_email, token_hash, expires_at, created_at) values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?)',
        [token.userId, token.purpose, token.email, token.newEmail, token.tokenHash, token.expiresAt, token.createdAt],
      ),
    );
  }

  /**
   * For the enabled account with this email that may reset its password (it has one, or its email
   * is verified): a token and its mail, written in one statement. The user's id, or null when no
   * such account exists. The same statement whatever the email, so the answer takes about as
   * long for an account as for none.
   */
  async issueForResettableAccount(email: string, token: Omit<NewEmailToken, 'userId' | 'email' | 'newEmail'>, mail: QueuedMail): Promise<string | null> {
    // One statement, so one round trip and a transaction of its own. Its commit does not wait for
    // the log to reach the disk (set_config, local to that transaction): a commit that wrote rows
    // would otherwise wait and one that wrote none would not, and that wait would tell who has an
    // account. A database crash in the next fraction of a second may lose the link; the user asks again.
    const rows: Array<{ user_id: string }> = await whileAvailable('database', () =>
      this.em.execute(
        `with no_flush_wait as (
           select set_config('synchronous_commit', 'off', true)
         ), target as (
           select id from users, no_flush_wait where email = ? and disabled_at is null and (password_hash is not null or email_verified)
         ), token as (
           insert into one_time_tokens (id, user_id, purpose, email, token_hash, expires_at, created_at)
           select gen_random_uuid(), id, ?, ?, ?, ?, ? from target returning user_id
         )
         insert into mail_outbox (user_id, purpose, locale, to_address, subject, text_body, html_body)
         select user_id, ?, ?, ?, ?, ?, ? from token returning user_id`,
        [email, token.purpose, email, token.tokenHash, token.expiresAt, token.createdAt, mail.purpose, mail.locale, mail.to, mail.subject, mail.text, mail.html],
      ),
    );
    return rows[0]?.user_id ?? null;
  }

  /** The token, if it is unused and unexpired; nothing changes. */
  async peek(tokenHash: string, now: Date): Promise<EmailTokenRecord | null> {
    const rows: TokenRow[] = await whileAvailable('database', () =>
      this.em.execute('select user_id, purpose, email, new_email from one_time_tokens where token_hash = ? and used_at is null and expires_at > ?', [tokenHash, now]),
    );
    return rows[0] ? recordOf(rows[0]) : null;
  }

  /**
   * Uses the token: one atomic update, so of two requests racing with one token only one gets it.
   * Null when it is unknown, used, voided, expired or of another purpose (or, with `userId`, of
   * another user).
   */
  async consume(tokenHash: string, purposes: readonly string[], now: Date, userId: string | null): Promise<EmailTokenRecord | null> {
    const rows: TokenRow[] = await whileAvailable('database', () =>
      this.em.execute(
        `update one_time_tokens set used_at = ? where token_hash = ? and purpose in (${purposes.map(() => '?').join(', ')}) and used_at is null and expires_at > ?${userId === null ? '' : ' and user_id = ?'}
         returning user_id, purpose, email, new_email`,
        [now, tokenHash, ...purposes, now, ...(userId === null ? [] : [userId])],
      ),
    );
    return rows[0] ? recordOf(rows[0]) : null;
  }

  /** Voids every unused token of the user for these purposes. */
  async voidAll(userId: string, purposes: readonly string[], now: Date): Promise<void> {
    await whileAvailable('database', () =>
      this.em.execute(`update one_time_tokens set used_at = ? where user_id = ? and purpose in (${purposes.map(() => '?').join(', ')}) and used_at is null`, [now, userId, ...purposes]),
    );
  }

  /** Deletes tokens that expired before `before`; returns how many went. */
  async prune(before: Date): Promise<number> {
    const rows: unknown[] = await this.em.execute('delete from one_time_tokens where expires_at < ? returning 1', [before]);
    return rows.length;
  }
}

function recordOf(row: TokenRow): EmailTokenRecord {
  return { userId: row.user_id, purpose: row.purpose, email: row.email, newEmail: row.new_email };
}
