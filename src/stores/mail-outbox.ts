import type { EntityManager } from '@mikro-orm/postgresql';
import { whileAvailable } from './store-failure.js';

/** A rendered mail, as a service queues it. */
export interface QueuedMail {
  userId: string | null;
  purpose: string;
  locale: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

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

/** The mail outbox in PostgreSQL. Every time in it is the database's own clock. */
export class MailOutbox {
  constructor(private readonly em: EntityManager) {}

  /** Queues a mail; within a transaction, it is sent only if that commits. */
  async enqueue(mail: QueuedMail): Promise<void> {
    await whileAvailable('database', () =>
      this.em.execute('insert into mail_outbox (user_id, purpose, locale, to_address, subject, text_body, html_body) values (?, ?, ?, ?, ?, ?, ?)', [
        mail.userId,
        mail.purpose,
        mail.locale,
        mail.to,
        mail.subject,
        mail.text,
        mail.html,
      ]),
    );
  }

  /**
   * Takes the oldest due mail and records what `deliver` made of it, in one transaction: the row
   * stays locked (FOR UPDATE SKIP LOCKED) until then, so another gateway's sender passes over it
   * and each mail is sent by one sender at a time. One mail per transaction: a sender that dies
   * can have sent at most the one it held without recording it. False when none was due.
   */
  async deliverNext(deliver: (mail: DueMail) => Promise<DeliveryOutcome>): Promise<boolean> {
    return this.em.transactional(async (tx) => {
      const rows: DueRow[] = await tx.execute(
        `select id, user_id, purpose, locale, to_address, subject, text_body, html_body, created_at, attempts from mail_outbox
         where ${PENDING} and next_attempt_at <= now() order by next_attempt_at, id limit 1 for update skip locked`,
      );
      const row = rows[0];
      if (!row) return false;
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
      await tx.execute(...recordSql(row.id, outcome));
      return true;
    });
  }

  async stats(): Promise<OutboxStats> {
    const rows: Array<{ queued: string; oldest: number | null }> = await this.em.execute(
      `select count(*) as queued, extract(epoch from now() - min(created_at))::float8 as oldest from mail_outbox where ${PENDING}`,
    );
    return { queued: Number(rows[0]?.queued ?? 0), oldestQueuedSeconds: Math.max(0, rows[0]?.oldest ?? 0) };
  }

  /** The mails delivered with their bodies kept (development without SMTP), newest first. */
  async recentlyDelivered(limit: number): Promise<DeliveredMail[]> {
    const rows: Array<{ to_address: string; subject: string; text_body: string; sent_at: Date }> = await whileAvailable('database', () =>
      this.em.execute('select to_address, subject, text_body, sent_at from mail_outbox where sent_at is not null and text_body is not null order by sent_at desc, id desc limit ?', [limit]),
    );
    return rows.map((row) => ({ to: row.to_address, subject: row.subject, text: row.text_body, sentAt: new Date(row.sent_at) }));
  }

  /** Deletes mails sent or given up before `before`; returns how many went. */
  async prune(before: Date): Promise<number> {
    const rows: unknown[] = await this.em.execute('delete from mail_outbox where coalesce(sent_at, failed_at) < ? returning 1', [before]);
    return rows.length;
  }
}

function recordSql(id: string, outcome: DeliveryOutcome): [string, unknown[]] {
  switch (outcome.kind) {
    case 'sent':
      return [
        `update mail_outbox set sent_at = now(), attempts = attempts + 1, last_error = null${outcome.keepBody ? '' : ', text_body = null, html_body = null'} where id = ?`,
        [id],
      ];
    case 'retry':
      return ["update mail_outbox set attempts = attempts + 1, last_error = ?, next_attempt_at = now() + ? * interval '1 millisecond' where id = ?", [outcome.error, outcome.delayMs, id]];
    case 'failed':
      return ['update mail_outbox set attempts = attempts + 1, last_error = ?, failed_at = now(), text_body = null, html_body = null where id = ?', [outcome.error, id]];
  }
}
