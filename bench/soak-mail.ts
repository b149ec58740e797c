/**
 * The soak's mail load: users who forget their password, while SMTP goes away and comes back.
 * Each signs up, asks for a reset, follows the link from the mail, sets a new password, signs in
 * with it and deletes the account (so the session ledger never sees them). The ledger: every
 * request answered `true` brings exactly one reset message, every reset exactly one notice; a
 * request whose answer was lost brings at most one. A message is told by its Message-ID: one
 * delivered twice (its sender killed, or cut from PostgreSQL, between the SMTP server's
 * acceptance and the record of it) is counted apart and allowed only as often as such faults ran.
 */
import { randomUUID } from 'node:crypto';
import { DELETE_ACCOUNT, REQUEST_PASSWORD_RESET, RESET_PASSWORD } from '../test/helpers/account-mutations.js';
import { type SmtpSink, tokenFrom } from '../test/helpers/smtp-sink.js';
import { sleep } from './processes.js';
import { OPERATIONS, PASSWORD } from './scenarios.js';
import type { SoakLoad } from './soak-load.js';

const NEW_PASSWORD = `${PASSWORD} anew`;
/** How long a user waits for a mail before the ledger calls it lost. */
const MAIL_WAIT_MS = 120_000;

interface MailUser {
  email: string;
  /** The reset request was answered true (a mail must come) or its answer was lost (one may come). */
  requested: 'true' | 'unknown' | null;
  reset: boolean;
  deleted: boolean;
}

export class SoakMail {
  readonly users: MailUser[] = [];
  readonly violations: string[] = [];
  private stopping = false;
  private readonly run = randomUUID().slice(0, 8);

  constructor(
    private readonly load: SoakLoad,
    private readonly sink: SmtpSink,
    private readonly concurrency: number,
    /** Faults that can cut a sender between sending a mail and recording it. */
    private readonly cuttingFaults: number,
  ) {}

  /** Runs the mail users until `stop`, then waits for the ones still expecting mail. */
  async runUntilStopped(): Promise<void> {
    await Promise.all(Array.from({ length: this.concurrency }, async () => {
      while (!this.stopping) await this.forgetful();
    }));
  }

  stop(): void {
    this.stopping = true;
  }

  /** Checks the mailbox against the ledger once every expected mail had its time to arrive. */
  async check(): Promise<string[]> {
    const deadline = Date.now() + MAIL_WAIT_MS;
    const missing = () => this.users.filter((user) => user.requested === 'true' && this.sink.to(user.email).length === 0);
    while (missing().length > 0 && Date.now() < deadline) await sleep(500);
    // Anything sent twice would arrive by now too.
    await sleep(3_000);
    const failures = [...this.violations];
    if (this.duplicates() > this.cuttingFaults) failures.push(`${this.duplicates()} messages delivered twice; at most ${this.cuttingFaults} (one per gateway kill or PostgreSQL stop) may be`);
    for (const user of this.users) {
      const mails = this.sink.to(user.email);
      const messages = (subject: string) => new Set(mails.filter((mail) => mail.subject === subject).map((mail) => mail.messageId)).size;
      const resets = messages('Reset your password');
      const notices = messages('Your password was changed');
      if (user.requested === 'true' && resets !== 1) failures.push(`${user.email}: ${resets} reset mails for one request answered true`);
      if (user.requested !== 'true' && resets > 1) failures.push(`${user.email}: ${resets} reset mails for one request`);
      if (user.reset && notices !== 1) failures.push(`${user.email}: ${notices} notices for one password reset`);
      if (!user.deleted && user.requested !== null) failures.push(`${user.email}: the account could not be deleted at the end`);
    }
    return failures;
  }

  summary(): string {
    const requested = this.users.filter((user) => user.requested !== null).length;
    const reset = this.users.filter((user) => user.reset).length;
    const deleted = this.users.filter((user) => user.deleted).length;
    return `mail: ${this.users.length} users, ${requested} reset requests, ${reset} passwords reset through the link, ${deleted} accounts deleted, ${this.sink.mails.length} mails received (${this.duplicates()} of them a second delivery of one message)`;
  }

  /** Deliveries beyond the first of each message. */
  private duplicates(): number {
    return this.sink.mails.length - new Set(this.sink.mails.map((mail) => mail.messageId)).size;
  }

  private async forgetful(): Promise<void> {
    // Not @soak.example: the session ledger counts those accounts as its own.
    const user: MailUser = { email: `forgetful-${this.run}-${this.users.length}@forgetful.example`, requested: null, reset: false, deleted: false };
    this.users.push(user);
    const signedUp = await this.load.call('signUp', OPERATIONS.signUp, { i: { email: user.email, password: PASSWORD, nickname: 'Forgetful' } });
    if (signedUp.outcome !== 'ok') return sleep(500);
    const request = await this.load.call<{ requestPasswordReset: boolean }>('requestPasswordReset', REQUEST_PASSWORD_RESET, { email: user.email });
    if (request.data?.requestPasswordReset === true) user.requested = 'true';
    else if (['GATEWAY_DOWN', 'TIMEOUT'].includes(request.outcome)) user.requested = 'unknown';
    else return sleep(500);
    const deadline = Date.now() + MAIL_WAIT_MS;
    while (this.sink.to(user.email).length === 0 && Date.now() < deadline) await sleep(200);
    const mail = this.sink.to(user.email)[0];
    if (!mail) return;
    for (let attempt = 0; attempt < 20 && !user.reset; attempt += 1) {
      const reset = await this.load.call<{ resetPassword: boolean }>('resetPassword', RESET_PASSWORD, { token: tokenFrom(mail, 'reset-password'), password: NEW_PASSWORD });
      if (reset.data?.resetPassword === true) user.reset = true;
      else if (reset.outcome === 'INVALID_EMAIL_TOKEN') {
        // A retry after a lost answer finds its link used: the reset did happen.
        if (attempt > 0) user.reset = true;
        else this.violations.push(`${user.email}: the link from the mail was refused`);
      } else await sleep(500);
    }
    if (user.reset) await this.remove(user);
  }

  /** Deletes the accounts still there (a lost answer stopped their user), signing in with either password. */
  async cleanUp(): Promise<void> {
    for (const user of this.users.filter((candidate) => !candidate.deleted)) await this.remove(user);
  }

  /** Signs in with the new password (or the first) and deletes the account; nothing when neither signs in. */
  private async remove(user: MailUser): Promise<void> {
    for (const password of [NEW_PASSWORD, PASSWORD]) {
      const signedIn = await this.load.call<{ signIn: { accessToken: string } }>('signIn', OPERATIONS.signIn, { i: { email: user.email, password } });
      if (!signedIn.data) continue;
      if (user.reset && password === PASSWORD) this.violations.push(`${user.email}: the old password still signs in after the reset`);
      const deleted = await this.load.call<{ deleteAccount: boolean }>('deleteAccount', DELETE_ACCOUNT, { password }, signedIn.data.signIn.accessToken);
      user.deleted = deleted.data?.deleteAccount === true;
      return;
    }
  }
}
