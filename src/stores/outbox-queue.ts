import pg from 'pg';
import { POSTGRES_DEADLINES } from '../infra/postgres-deadlines.js';
import type { QueuedMail } from './mail-outbox.js';
import { whileAvailable } from './store-failure.js';

/** A queued mail as the sender sees it. */
export interface DueMail extends QueuedMail {
  id: string;
  createdAt: Date;
  /** Attempts made before this one. */
  attempts: number;
}

/** What became of one attempt. */
export type DeliveryOutcome =
  | { kind: 'sent'; keepBody: boolean }
  | { kind: 'retry'; error: string; delayMs: number }
  | { kind: 'failed'; error: string };

/** A mail delivered without SMTP, as GET /dev/mailbox lists it. */
export interface DeliveredMail {
  to: string;
  subject: string;
  text: string;
  sentAt: Date;
}

export interface OutboxStats {
  queued: number;
  /** Age of the oldest mail still waiting; 0 when none waits. */
  oldestQueuedSeconds: number;
}

interface DueRow {
  id: string;
  user_id: string | null;
  purpose: string;
  locale: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  created_at: Date;
  attempts: number;
}

const PENDING = 'sent_at is null and failed_at is null';

/**
 * The mail outbox as the senders see it, on a small pool of its own: a sender's transaction holds
 * its connection through an SMTP conversation, and a connection that failed (a database down or
 * frozen) is thrown away, never returned to a pool that others, or the shutdown, wait on. Every
 * time here is the database's own clock, so every gateway agrees on what is due.
 */
export class OutboxQueue {
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 2, ...POSTGRES_DEADLINES });
    this.pool.on('error', () => undefined);
  }

  /**
   * Takes the oldest due mail and records what `deliver` made of it, in one transaction: the row
   * stays locked (FOR UPDATE SKIP LOCKED) until then, so another gateway's sender passes over it
   * and each mail is sent by one sender at a time; a sender that dies releases it with its
   * connection. One mail per transaction: a sender killed mid-send can have sent at most the one
   * it held without recording it. False when none was due.
   */
  async deliverNext(deliver: (mail: DueMail) => Promise<DeliveryOutcome>): Promise<boolean> {
    const client = await this.pool.connect();
    let failure: Error | undefined;
    // A checked-out client has no error listener of the pool's: a connection lost meanwhile (the
    // database stopped) would be an uncaught 'error' event and take the process down.
    const lost = (error: Error) => {
      failure ??= error;
    };
    client.on('error', lost);
    try {
      await client.query('begin');
      const { rows } = await client.query<DueRow>(
        `select id, user_id, purpose, locale, to_address, subject, text_body, html_body, created_at, attempts from mail_outbox
         where ${PENDING} and next_attempt_at <= now() order by next_attempt_at, id limit 1 for update skip locked`,
      );
      const row = rows[0];
      if (row) {
        const outcome = await deliver({
          id: String(row.id),
          userId: row.user_id,
          purpose: row.purpose,
          locale: row.locale,
          to: row.to_address,
          subject: row.subject,
          text: row.text_body,
          html: row.html_body,
          createdAt: new Date(row.created_at),
          attempts: row.attempts,
        });
        await client.query(...recordSql(row.id, outcome));
      }
      await client.query('commit');
      return row !== undefined;
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.off('error', lost);
      client.release(failure);
    }
  }

  async stats(): Promise<OutboxStats> {
    const { rows } = await this.pool.query<{ queued: string; oldest: number | null }>(
      `select count(*) as queued, extract(epoch from now() - min(created_at))::float8 as oldest from mail_outbox where ${PENDING}`,
    );
    return { queued: Number(rows[0]?.queued ?? 0), oldestQueuedSeconds: Math.max(0, rows[0]?.oldest ?? 0) };
  }

  /** The mails delivered with their bodies kept (development without SMTP), newest first. */
  async recentlyDelivered(limit: number): Promise<DeliveredMail[]> {
    const { rows } = await whileAvailable('database', () =>
      this.pool.query<{ to_address: string; subject: string; text_body: string; sent_at: Date }>(
        'select to_address, subject, text_body, sent_at from mail_outbox where sent_at is not null and text_body is not null order by sent_at desc, id desc limit $1',
        [limit],
      ),
    );
    return rows.map((row) => ({ to: row.to_address, subject: row.subject, text: row.text_body, sentAt: new Date(row.sent_at) }));
  }

  /** Deletes mails sent or given up before `before`; returns how many went. */
  async prune(before: Date): Promise<number> {
    return (await this.pool.query('delete from mail_outbox where coalesce(sent_at, failed_at) < $1', [before])).rowCount ?? 0;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

function recordSql(id: string, outcome: DeliveryOutcome): [string, unknown[]] {
  switch (outcome.kind) {
    case 'sent':
      return [
        `update mail_outbox set sent_at = now(), attempts = attempts + 1, last_error = null${outcome.keepBody ? '' : ', text_body = null, html_body = null'} where id = $1`,
        [id],
      ];
    case 'retry':
      return ["update mail_outbox set attempts = attempts + 1, last_error = $1, next_attempt_at = now() + $2 * interval '1 millisecond' where id = $3", [outcome.error, outcome.delayMs, id]];
    case 'failed':
      return ['update mail_outbox set attempts = attempts + 1, last_error = $1, failed_at = now(), text_body = null, html_body = null where id = $2', [outcome.error, id]];
  }
}
