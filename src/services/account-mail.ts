import type { MailConfig } from '../config/mail-config.js';
import { AuthError } from '../errors/auth-error.js';
import { localeOf } from '../mail/locale.js';
import type { MailPurpose } from '../mail/purposes.js';
import type { MailTemplates } from '../mail/templates.js';
import type { MailOutbox, QueuedMail } from '../stores/mail-outbox.js';
import type { ClientInfo } from './client-info.js';

/** The pages of the app that a mailed link opens. */
export type LinkPage = 'verify-email' | 'reset-password' | 'confirm-email-change';

export interface AccountMailOptions {
  mail: Pick<MailConfig, 'smtpUrl' | 'appUrl'>;
  isProduction: boolean;
  /** Tells the outbox sender that a commit queued mail. */
  queued: () => void;
}

/**
 * The mails of an account's life, rendered in the client's language and queued in the outbox of
 * the caller's transaction, so a mail exists exactly when what it tells was committed.
 */
export class AccountMail {
  constructor(
    private readonly templates: MailTemplates,
    private readonly options: AccountMailOptions,
  ) {}

  /** Production without SMTP_URL cannot deliver a link: MAIL_NOT_CONFIGURED, before anything is done. */
  checkCanMailLinks(): void {
    if (!this.canSend()) throw new AuthError('MAIL_NOT_CONFIGURED');
  }

  /** A mail with a link carrying `token`. */
  linkMail(purpose: MailPurpose, page: LinkPage, token: string, to: { userId: string | null; email: string }, client: ClientInfo, values: { newEmail?: string; expiresInMs: number }): QueuedMail {
    const link = `${this.options.mail.appUrl}/${page}?token=${encodeURIComponent(token)}`;
    return this.render(purpose, to, client, { ...values, link });
  }

  /** Queues a notice (the password changed, say); where no mail can be sent it is dropped, never refused. */
  async queueNotice(outbox: MailOutbox, purpose: MailPurpose, to: { userId: string | null; email: string | null }, client: ClientInfo, values: { newEmail?: string } = {}): Promise<void> {
    if (to.email === null || !this.canSend()) return;
    await outbox.enqueue(this.render(purpose, { userId: to.userId, email: to.email }, client, values));
  }

  /** After a commit that queued mail: the sender looks now instead of at its next poll. */
  committed(): void {
    this.options.queued();
  }

  private canSend(): boolean {
    return this.options.mail.smtpUrl !== null || !this.options.isProduction;
  }

  private render(purpose: MailPurpose, to: { userId: string | null; email: string }, client: ClientInfo, values: { newEmail?: string; expiresInMs?: number; link?: string }): QueuedMail {
    const locale = localeOf(client.acceptLanguage ?? null);
    const rendered = this.templates.render(purpose, locale, { ...values, email: to.email, appUrl: this.options.mail.appUrl });
    return { userId: to.userId, purpose, locale, to: to.email, ...rendered };
  }
}
