import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../infra/logger.js';

/** A mail as it leaves. */
export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable across attempts (see messageIdOf). */
  messageId: string;
}

/** Why a send failed, and whether trying again may help. */
export class MailDeliveryError extends Error {
  constructor(
    message: string,
    /** A 5xx answer: the server refused this mail for good. */
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'MailDeliveryError';
  }
}

/** Where mail goes: the only code that speaks SMTP sits behind this. */
export interface Mailer {
  /** Whether a sent mail's body is kept (the development mailbox shows it). */
  readonly keepsBodies: boolean;
  send(mail: MailMessage): Promise<void>;
  close(): void;
}

// Bounded waits: a stalled SMTP server delays mail, never the sender loop for long.
const SMTP_TIMEOUTS = { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 15_000 };

/**
 * Mail over SMTP (SMTP_URL). One connection is kept and reused for the next mail (the outbox
 * sends one at a time): a fresh connection costs a TCP handshake, the greeting and EHLO per mail,
 * and the sender kept up with fewer than 100 mails a second that way (bench, 2026-12-07). A
 * connection the server closed or broke is replaced on the next send.
 */
export class SmtpMailer implements Mailer {
  readonly keepsBodies = false;
  private readonly transport: Transporter;

  constructor(smtpUrl: string) {
    const url = new URL(smtpUrl);
    this.transport = nodemailer.createTransport({
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? (url.protocol === 'smtps:' ? 465 : 587) : Number(url.port),
      secure: url.protocol === 'smtps:',
      ...(url.username !== '' && { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
      ...SMTP_TIMEOUTS,
      pool: true,
      maxConnections: 1,
    });
  }

  async send(mail: MailMessage): Promise<void> {
    try {
      await this.transport.sendMail(mail);
    } catch (error) {
      const { responseCode, code } = error as { responseCode?: number; code?: string };
      const permanent = responseCode !== undefined && responseCode >= 500 && responseCode < 600;
      // The reason only: an SMTP answer may quote the recipient, which stays out of logs.
      throw new MailDeliveryError(responseCode === undefined ? `${code ?? 'error'}: the SMTP server could not be reached` : `SMTP ${responseCode}`, permanent);
    }
  }

  close(): void {
    this.transport.close();
  }
}

/** Development without SMTP_URL: each mail is logged (never its link) and kept for GET /dev/mailbox. */
export class DevelopmentMailbox implements Mailer {
  readonly keepsBodies = true;

  constructor(private readonly logger: Logger, private readonly mailboxUrl: string) {}

  async send(mail: MailMessage): Promise<void> {
    this.logger.info({ mailSubject: mail.subject }, `mail (not sent: no SMTP_URL): "${mail.subject}"; read it at ${this.mailboxUrl}`);
  }

  close(): void {}
}
