import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * A mail waiting to be sent, or sent: written in the transaction of whatever it tells (a token, a
 * changed password), delivered afterwards by the outbox sender (mail/outbox-sender.ts). Times are
 * the database's own, so every gateway agrees on what is due.
 */
@Entity({ tableName: 'mail_outbox' })
@Index({ name: 'mail_outbox_due_index', expression: 'create index "mail_outbox_due_index" on "mail_outbox" ("next_attempt_at") where "sent_at" is null and "failed_at" is null' })
export class OutboxMail {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** Not a foreign key: a notice of a deleted account outlives the account. */
  @Property({ type: 'uuid', nullable: true })
  userId!: string | null;

  /** What the mail is for (mail/templates.ts), kept for metrics and the audit trail. */
  @Property({ type: 'text' })
  purpose!: string;

  @Property({ type: 'text' })
  locale!: string;

  @Property({ type: 'text' })
  toAddress!: string;

  @Property({ type: 'text' })
  subject!: string;

  /** Emptied once sent over SMTP: a link never stays in the database after it left. */
  @Property({ type: 'text', nullable: true })
  textBody!: string | null;

  @Property({ type: 'text', nullable: true })
  htmlBody!: string | null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt!: Date;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  nextAttemptAt!: Date;

  @Property({ type: 'integer', default: 0 })
  attempts!: number;

  @Property({ type: 'text', nullable: true })
  lastError!: string | null;

  @Property({ type: 'datetime', nullable: true, index: true })
  sentAt!: Date | null;

  /** The SMTP server refused it for good (a 5xx answer): not tried again. */
  @Property({ type: 'datetime', nullable: true })
  failedAt!: Date | null;
}
