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

/** The mail outbox as a change writes to it: inside the caller's transaction. */
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
}
