import { Writable } from 'node:stream';
import { startGateway } from '../../../src/app/gateway.js';
import { loadConfig } from '../../../src/config/config.js';
import { createLogger } from '../../../src/infra/logger.js';
import { CHANGE_PASSWORD, NEW_PASSWORD, REQUEST_EMAIL_CHANGE, REQUEST_EMAIL_VERIFICATION, REQUEST_PASSWORD_RESET, RESET_PASSWORD } from '../../helpers/account-mutations.js';
import { type GraphQLClient, PASSWORD, signIn, signUp, uniqueEmail } from '../../helpers/accounts.js';
import { eventually } from '../../helpers/eventually.js';
import { bearer, errorCode, postGraphQL } from '../../helpers/graphql-client.js';
import { createTestApp, createTestDatabase, TEST_KEY_ENCRYPTION_KEY, type TestApp } from '../../helpers/test-app.js';
import { TestClock } from '../../helpers/test-clock.js';

/**
 * Without SMTP_URL: outside production the mails are kept for GET /dev/mailbox (and logged without
 * their links); in production the mutations that mail a link answer MAIL_NOT_CONFIGURED.
 */

interface MailboxEntry {
  to: string;
  subject: string;
  text: string;
  sentAt: string;
}

async function mailbox(url: string): Promise<MailboxEntry[]> {
  const response = await fetch(`${url}/dev/mailbox`);
  expect(response.status).toBe(200);
  return (await response.json()) as MailboxEntry[];
}

/** Polls the mailbox until `count` mails to `to` show; returns those (newest first). */
async function mailsTo(url: string, to: string, count = 1): Promise<MailboxEntry[]> {
  const mails = await eventually(async () => (await mailbox(url)).filter((mail) => mail.to === to), (found) => found.length >= count);
  expect(mails).toHaveLength(count);
  return mails;
}

function resetToken(mail: MailboxEntry, appUrl: string): string {
  const match = new RegExp(`${appUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/reset-password\\?token=([A-Za-z0-9_%-]+)`).exec(mail.text);
  if (!match) throw new Error(`no reset link in ${mail.text}`);
  return decodeURIComponent(match[1]!);
}

describe('development without SMTP_URL', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ APP_URL: 'https://app.example.com/' });
  });
  afterAll(() => app.close());

  it('GET /dev/mailbox: JSON, newest first, with to, subject, text (the full link) and sentAt; the link resets the password', async () => {
    const [older, newer] = [uniqueEmail(), uniqueEmail()];
    await signUp(app, older);
    await signUp(app, newer);
    expect((await app.gql(REQUEST_PASSWORD_RESET, { email: older })).data).toEqual({ requestPasswordReset: true });
    await mailsTo(app.url, older);
    expect((await app.gql(REQUEST_PASSWORD_RESET, { email: newer })).data).toEqual({ requestPasswordReset: true });
    const [mail] = await mailsTo(app.url, newer);

    const response = await fetch(`${app.url}/dev/mailbox`);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const listed = (await response.json()) as MailboxEntry[];
    expect(listed.findIndex((entry) => entry.to === newer)).toBeLessThan(listed.findIndex((entry) => entry.to === older));
    const times = listed.map((entry) => Date.parse(entry.sentAt));
    expect(times.every((time) => Number.isFinite(time))).toBe(true);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    for (const entry of listed) expect(Object.keys(entry).sort()).toEqual(['sentAt', 'subject', 'text', 'to']);

    expect(mail!.subject).toBe('Reset your password');
    const token = resetToken(mail!, 'https://app.example.com');
    expect(mail!.text).toContain(`https://app.example.com/reset-password?token=${token}`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await app.gql(RESET_PASSWORD, { token, password: NEW_PASSWORD })).data).toEqual({ resetPassword: true });
    expect((await signIn(app, newer, NEW_PASSWORD)).data?.signIn.user.email).toBe(newer);
    const [notice] = await mailsTo(app.url, newer, 2);
    expect(notice!.subject).toBe('Your password was changed');
  });

  it.each(['POST', 'PUT', 'DELETE'])('%s /dev/mailbox → 405, allow GET', async (method) => {
    const response = await fetch(`${app.url}/dev/mailbox`, { method, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
  });
});

it('with SMTP_URL set → GET /dev/mailbox is 404', async () => {
  const app = await createTestApp({ SMTP_URL: 'smtp://127.0.0.1:9' });
  try {
    expect((await fetch(`${app.url}/dev/mailbox`)).status).toBe(404);
  } finally {
    await app.close();
  }
});

describe('production without SMTP_URL', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ NODE_ENV: 'production' });
  });
  afterAll(() => app.close());

  it('requestPasswordReset, known or not → MAIL_NOT_CONFIGURED; /dev/mailbox → 404', async () => {
    const known = uniqueEmail();
    await signUp(app, known);
    expect(errorCode(await app.gql(REQUEST_PASSWORD_RESET, { email: known }))).toBe('MAIL_NOT_CONFIGURED');
    expect(errorCode(await app.gql(REQUEST_PASSWORD_RESET, { email: uniqueEmail() }))).toBe('MAIL_NOT_CONFIGURED');
    expect((await fetch(`${app.url}/dev/mailbox`)).status).toBe(404);
  });

  it('requestEmailVerification and requestEmailChange → MAIL_NOT_CONFIGURED; changePassword works, its notice dropped', async () => {
    const email = uniqueEmail();
    const user = await signUp(app, email);
    expect(errorCode(await app.gql(REQUEST_EMAIL_VERIFICATION, {}, bearer(user.accessToken)))).toBe('MAIL_NOT_CONFIGURED');
    const change = await app.gql(REQUEST_EMAIL_CHANGE, { newEmail: uniqueEmail(), password: PASSWORD }, bearer(user.accessToken));
    expect(errorCode(change)).toBe('MAIL_NOT_CONFIGURED');
    const changed = await app.gql<{ changePassword: { accessToken: string } }>(
      CHANGE_PASSWORD,
      { current: PASSWORD, password: NEW_PASSWORD },
      bearer(user.accessToken),
    );
    expect(changed.errors).toBeUndefined();
    expect(changed.data?.changePassword.accessToken).toEqual(expect.any(String));
    expect((await signIn(app, email, NEW_PASSWORD)).data?.signIn.user.email).toBe(email);
    expect(await app.sql('select id from mail_outbox')).toEqual([]);
    expect(await app.sql("select id from one_time_tokens")).toEqual([]);
  });
});

it("the gateway's log, through a whole reset in development without SMTP, carries neither a link nor a token", async () => {
  let logged = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged += chunk.toString();
      done();
    },
  });
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    BCRYPT_COST: '4',
    DATABASE_URL: await createTestDatabase(),
    APP_URL: 'https://app.example.com',
    RATE_LIMIT_MAIL: '100000/5m',
    KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY,
  });
  const gateway = await startGateway(config, { logger: createLogger('trace', sink), clock: new TestClock() });
  const client: GraphQLClient = { gql: (query, variables, headers) => postGraphQL(`${gateway.url}/graphql`, query, variables, headers) };
  const gql = client.gql;
  let token = '';
  try {
    const email = uniqueEmail();
    await signUp(client, email);
    expect((await gql(REQUEST_PASSWORD_RESET, { email })).data).toEqual({ requestPasswordReset: true });
    const [mail] = await mailsTo(gateway.url, email);
    token = resetToken(mail!, 'https://app.example.com');
    expect((await gql(RESET_PASSWORD, { token, password: NEW_PASSWORD })).data).toEqual({ resetPassword: true });
    await mailsTo(gateway.url, email, 2);
    expect((await signIn(client, email, NEW_PASSWORD)).data?.signIn.user.email).toBe(email);
  } finally {
    await gateway.close();
  }
  const lines = logged.split('\n').filter(Boolean);
  // The capture works: both mails were logged as kept for the mailbox.
  expect(lines.filter((line) => line.includes('mail (not sent: no SMTP_URL)'))).toHaveLength(2);
  expect(token).toHaveLength(43);
  expect(lines.filter((line) => line.includes('token=') || line.includes(token) || line.includes(encodeURIComponent(token)))).toEqual([]);
});
