import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { eventually } from './eventually.js';

/** A mail as the sink received it. */
export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: ParsedMail['headers'];
}

/**
 * A real SMTP server on 127.0.0.1 (smtp-server), reading each mail with mailparser. It can refuse
 * mail with a temporary (451) or permanent (550) error, or stop listening and listen again on
 * the same port, to test outages.
 */
export class SmtpSink {
  readonly mails: ReceivedMail[] = [];
  /** SMTP answer code to refuse every mail with; null: accept. */
  refuseWith: 451 | 550 | null = null;
  private server: SMTPServer;
  private port = 0;

  private constructor() {
    this.server = this.create();
  }

  static async start(): Promise<SmtpSink> {
    const sink = new SmtpSink();
    await sink.listen();
    return sink;
  }

  /** For SMTP_URL. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The mails sent to `to` so far. */
  to(to: string): ReceivedMail[] {
    return this.mails.filter((mail) => mail.to === to);
  }

  /** Waits (up to `ms`) until `count` mails went to `to`; returns those there are then. */
  async waitFor(to: string, count = 1, ms = 10_000): Promise<ReceivedMail[]> {
    return eventually(async () => this.to(to), (mails) => mails.length >= count, ms);
  }

  /** Stops listening (connections are cut); `resume` listens again on the same port. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async resume(): Promise<void> {
    this.server = this.create();
    await this.listen(this.port);
  }

  close(): Promise<void> {
    return this.stop();
  }

  private create(): SMTPServer {
    return new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, _session, callback) => {
        simpleParser(stream).then(
          (parsed) => {
            if (this.refuseWith !== null) {
              callback(Object.assign(new Error(this.refuseWith === 451 ? 'try again later' : 'mailbox unavailable'), { responseCode: this.refuseWith }));
              return;
            }
            this.mails.push({
              to: addressOf(parsed.to),
              from: addressOf(parsed.from),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              messageId: parsed.messageId ?? '',
              headers: parsed.headers,
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
  }

  private listen(port = 0): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}

function addressOf(field: ParsedMail['to'] | ParsedMail['from']): string {
  const first = Array.isArray(field) ? field[0] : field;
  return first?.value[0]?.address ?? '';
}

/** The token of the link to `page` in a mail's text body, as a user clicking it would send it. */
export function tokenFrom(mail: ReceivedMail, page: 'verify-email' | 'reset-password' | 'confirm-email-change'): string {
  const match = new RegExp(`https?://\\S+/${page}\\?token=([A-Za-z0-9_%-]+)`).exec(mail.text);
  if (!match) throw new Error(`no ${page} link in the mail: ${mail.text}`);
  return decodeURIComponent(match[1]!);
}
