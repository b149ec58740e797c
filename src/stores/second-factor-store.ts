import type { EntityManager } from '@mikro-orm/postgresql';
import { whileAvailable } from './store-failure.js';

/** A user's TOTP authenticator as stored; the secret stays sealed here. */
export interface StoredTotp {
  sealedSecret: string;
  confirmed: boolean;
  /** Epoch milliseconds when a pending enrolment lapses; null once confirmed. */
  pendingUntil: number | null;
}

/**
 * TOTP factors and recovery codes, through one operation's EntityManager (inside an AccountStore
 * transaction when a mail goes with the change). `users.mfa_enabled` follows the confirmed factor,
 * so every cached profile hears of the change through the users table's announcements.
 */
export class SecondFactorStore {
  constructor(private readonly em: EntityManager) {}

  async totp(userId: string): Promise<StoredTotp | null> {
    const [row] = await this.query<{ secret: string; confirmed_at: Date | null; pending_until: Date | null }>(
      'select secret, confirmed_at, pending_until from totp_factors where user_id = ?',
      [userId],
    );
    return row ? { sealedSecret: row.secret, confirmed: row.confirmed_at !== null, pendingUntil: row.pending_until && new Date(row.pending_until).getTime() } : null;
  }

  /** Keeps a pending enrolment (replacing an earlier pending one); false when a confirmed one exists. */
  async startTotp(userId: string, sealedSecret: string, pendingUntil: Date, now: Date): Promise<boolean> {
    const rows = await this.query(
      `insert into totp_factors (user_id, secret, confirmed_at, pending_until, last_step, created_at) values (?, ?, null, ?, null, ?)
       on conflict (user_id) do update set secret = excluded.secret, pending_until = excluded.pending_until, last_step = null, created_at = excluded.created_at
       where totp_factors.confirmed_at is null returning 1`,
      [userId, sealedSecret, pendingUntil, now],
    );
    return rows.length > 0;
  }

  /**
   * Confirms the pending enrolment, records `step` as used and replaces the recovery codes; false
   * when there is no pending enrolment alive at `now`, or `step` was used already.
   */
  async confirmTotp(userId: string, step: number, recoveryCodeHashes: string[], now: Date): Promise<boolean> {
    const rows = await this.query(
      `update totp_factors set confirmed_at = ?, pending_until = null, last_step = ?
       where user_id = ? and confirmed_at is null and pending_until > ? and (last_step is null or last_step < ?) returning 1`,
      [now, step, userId, now, step],
    );
    if (rows.length === 0) return false;
    await this.query('delete from recovery_codes where user_id = ?', [userId]);
    await this.query(
      `insert into recovery_codes (user_id, code_hash, used_at) values ${recoveryCodeHashes.map(() => '(?, ?, null)').join(', ')}`,
      recoveryCodeHashes.flatMap((hash) => [userId, hash]),
    );
    await this.query('update users set mfa_enabled = true, updated_at = ? where id = ?', [now, userId]);
    return true;
  }

  /** Records `step` as used by a confirmed factor; false when it (or a later one) was used already. */
  async acceptStep(userId: string, step: number): Promise<boolean> {
    const rows = await this.query(
      'update totp_factors set last_step = ? where user_id = ? and confirmed_at is not null and (last_step is null or last_step < ?) returning 1',
      [step, userId, step],
    );
    return rows.length > 0;
  }

  /** Uses a recovery code once; false when it is not one of the user's unused codes. */
  async useRecoveryCode(userId: string, codeHash: string, now: Date): Promise<boolean> {
    const rows = await this.query('update recovery_codes set used_at = ? where user_id = ? and code_hash = ? and used_at is null returning 1', [now, userId, codeHash]);
    return rows.length > 0;
  }

  /** Removes the TOTP factor and the recovery codes; true when the user had a confirmed factor. */
  async removeTotp(userId: string, now: Date): Promise<boolean> {
    const rows = await this.query<{ confirmed_at: Date | null }>('delete from totp_factors where user_id = ? returning confirmed_at', [userId]);
    await this.query('delete from recovery_codes where user_id = ?', [userId]);
    await this.query('update users set mfa_enabled = false, updated_at = ? where id = ? and mfa_enabled', [now, userId]);
    return rows.some((row) => row.confirmed_at !== null);
  }

  private query<T = unknown>(sql: string, params: unknown[]): Promise<T[]> {
    return whileAvailable('database', () => this.em.execute(sql, params));
  }
}
