import { REQUEST_PASSWORD_RESET } from './account-mutations.js';
import { type GraphQLClient, signUp, uniqueEmail } from './accounts.js';
import { eventually } from './eventually.js';
import type { SmtpSink } from './smtp-sink.js';
import type { TestApp } from './test-app.js';

// The mail outbox seen from outside, for the mail tests: reset requests, rows in mail_outbox,
// mails at the SMTP sink and samples on /metrics.

/** A reset mail's row in mail_outbox, as `outboxRows` reads it. */
export interface OutboxRow {
  to_address: string;
  sent_at: Date | null;
  failed_at: Date | null;
  attempts: number;
  last_error: string | null;
  text_body: string | null;
  html_body: string | null;
}

/**
 * Where `outboxRows` reads from: a TestApp (its `sql`), or a pg Pool or Client (its `query`) for
 * a database no test app runs on.
 */
export type OutboxDatabase = Pick<TestApp, 'sql'> | { query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }> };

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The reset mails queued for `emails`, one row per mail, oldest first. */
export async function outboxRows(db: OutboxDatabase, emails: string[]): Promise<OutboxRow[]> {
  const text =
    "select to_address, sent_at, failed_at, attempts, last_error, text_body, html_body from mail_outbox where purpose = 'reset_password' and to_address = any($1) order by id";
  if ('sql' in db) return db.sql<OutboxRow>(text, [emails]);
  return (await db.query(text, [emails])).rows as OutboxRow[];
}

/** The sum of the samples of `name` on the gateway's /metrics carrying every label of `labels`; undefined when there is none. */
export async function metric(gateway: Pick<TestApp, 'url'>, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const values = text.split('\n').flatMap((line) => {
    const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) return [];
    const have = (match[2] ?? '').split(',');
    return wanted.every((label) => have.includes(label)) ? [Number(match[3])] : [];
  });
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0);
}

/**
 * `count` users signed up in turn on each of `gateways`, each with an address of its own (the
 * per-address mail limit stays out of the way); returns their addresses.
 */
export function signedUpUsers(gateways: GraphQLClient[], count: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const email = uniqueEmail();
      await signUp(gateways[index % gateways.length]!, email);
      return email;
    }),
  );
}

/** Asks for a reset link for every address at once, spread over `gateways`; expects every answer to be true. */
export async function requestResets(gateways: GraphQLClient[], emails: string[]): Promise<void> {
  const answers = await Promise.all(emails.map((email, index) => gateways[index % gateways.length]!.gql(REQUEST_PASSWORD_RESET, { email })));
  for (const answer of answers) expect(answer.data).toEqual({ requestPasswordReset: true });
}

/** Waits (up to `ms`) until every address got a mail, then `settleMs` more, and returns how many each got. */
export async function mailsPerAddress(smtp: SmtpSink, emails: string[], settleMs = 1_500, ms = 15_000): Promise<number[]> {
  await eventually(async () => emails.map((email) => smtp.to(email).length), (counts) => counts.every((count) => count >= 1), ms);
  await sleep(settleMs);
  return emails.map((email) => smtp.to(email).length);
}
