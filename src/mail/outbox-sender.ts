import type { Logger } from '../infra/logger.js';
import type { AuditTrail } from '../stores/audit-trail.js';
import type { DeliveryOutcome, DueMail, OutboxQueue, OutboxStats } from '../stores/outbox-queue.js';
import { MailDeliveryError, type Mailer } from './mailer.js';

/** How a sender reports what it did (to metrics). */
export interface DeliveryObserver {
  sent(purpose: string): void;
  failed(purpose: string, permanent: boolean): void;
}

export interface OutboxSenderOptions {
  from: string;
  /** How often the outbox is looked at when nothing wakes the sender. */
  pollMs: number;
}

/** Retries wait 1 s, 2 s, 4 s, … up to this. */
const MAX_BACKOFF_MS = 60_000;

/** The wait before attempt number `attempts + 1`, after `attempts` failed ones. */
export function retryDelayMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * Delivers the outbox: whatever is due, oldest first, after every commit that queued mail (a
 * `wake`) and every `pollMs`. Every gateway runs one; the outbox's row locks keep two from taking
 * the same mail. A failed send is retried with exponential backoff; a 5xx answer ends it.
 */
export class OutboxSender {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private started = false;
  private failing = false;

  constructor(
    private readonly outbox: OutboxQueue,
    private readonly mailer: Mailer,
    private readonly trail: AuditTrail,
    private readonly logger: Logger,
    private readonly observer: DeliveryObserver,
    private readonly options: OutboxSenderOptions,
  ) {}

  start(): void {
    this.started = true;
    this.wake();
  }

  /**
   * Look at the outbox now (something was queued); at most one pass runs at a time. Before start
   * it does nothing: an admin command queues mail for the gateways' senders and sends none itself.
   */
  wake(): void {
    if (this.closed || !this.started) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.closed) return;
      if (this.again) {
        this.again = false;
        this.wake();
        return;
      }
      this.timer = setTimeout(() => this.wake(), this.options.pollMs);
      this.timer.unref();
    });
  }

  stats(): Promise<OutboxStats> {
    return this.outbox.stats();
  }

  /** Stops; a send under way finishes and is recorded first. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.mailer.close();
  }

  private async drain(): Promise<void> {
    try {
      while (!this.closed && (await this.outbox.deliverNext((mail) => this.deliver(mail))));
      if (this.failing) this.logger.info('mail outbox: reachable again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn({ err: error }, 'mail outbox: the database cannot be read; mail waits until it can');
      this.failing = true;
    }
  }

  private async deliver(mail: DueMail): Promise<DeliveryOutcome> {
    const facts = { purpose: mail.purpose, attempt: mail.attempts + 1, mailId: mail.id };
    try {
      await this.mailer.send({ from: this.options.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: messageIdOf(mail, this.options.from) });
    } catch (error) {
      const reason = error instanceof MailDeliveryError ? error.message : 'error';
      const permanent = error instanceof MailDeliveryError && error.permanent;
      this.observer.failed(mail.purpose, permanent);
      this.logger.warn({ event: 'mail_failed', ...facts, reason, permanent }, 'mail: delivery failed');
      if (permanent) {
        this.audit('mail_failed', mail, { ...facts, reason });
        return { kind: 'failed', error: reason };
      }
      return { kind: 'retry', error: reason, delayMs: retryDelayMs(mail.attempts + 1) };
    }
    this.observer.sent(mail.purpose);
    this.logger.info({ event: 'mail_sent', ...facts }, 'mail: sent');
    this.audit('mail_sent', mail, facts);
    return { kind: 'sent', keepBody: this.mailer.keepsBodies };
  }

  private audit(type: string, mail: DueMail, detail: Record<string, string | number>): void {
    this.trail.append({ at: new Date(), type, userId: mail.userId, sessionId: null, ip: null, userAgent: null, detail });
  }
}

/**
 * One Message-ID per outbox row, the same on every attempt: should a mail go twice (a sender
 * killed between the SMTP server's acceptance and the record of it), mail systems see one message.
 */
function messageIdOf(mail: Pick<DueMail, 'id' | 'createdAt'>, from: string): string {
  const domain = /@([^>\s]+)>?$/.exec(from)?.[1] ?? 'localhost';
  return `<outbox-${mail.id}-${mail.createdAt.getTime()}@${domain}>`;
}
