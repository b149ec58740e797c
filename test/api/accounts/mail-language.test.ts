import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NEW_PASSWORD, REQUEST_PASSWORD_RESET, RESET_PASSWORD } from '../../helpers/account-mutations.js';
import { signUp, uniqueEmail } from '../../helpers/accounts.js';
import { type ReceivedMail, SmtpSink, tokenFrom } from '../../helpers/smtp-sink.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

/**
 * A mail speaks the language of the request that sent it (Accept-Language: English or Korean,
 * English by default), and operators can replace the words (MAIL_TEMPLATES_DIR) and the sender (MAIL_FROM).
 */

const APP_URL = 'https://app.example.com';

let smtp: SmtpSink;
beforeAll(async () => {
  smtp = await SmtpSink.start();
});
afterAll(() => smtp.close());

/** Signs up a fresh account, asks for its reset link with these headers, and returns the mail and its outbox locale. */
async function resetMail(app: TestApp, headers: Record<string, string>): Promise<{ mail: ReceivedMail; locale: string; email: string }> {
  const email = uniqueEmail();
  await signUp(app, email);
  expect((await app.gql(REQUEST_PASSWORD_RESET, { email }, headers)).data).toEqual({ requestPasswordReset: true });
  const [mail] = await smtp.waitFor(email);
  const [row] = await app.sql<{ locale: string }>("select locale from mail_outbox where to_address = $1 and purpose = 'reset_password'", [email]);
  return { mail: mail!, locale: row!.locale, email };
}

describe('Accept-Language', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ SMTP_URL: smtp.url, APP_URL });
  });
  afterAll(() => app.close());

  it.each([
    ['ko-KR,ko;q=0.9,en;q=0.5', 'ko'],
    ['fr, ko;q=0.4', 'ko'],
    ['KO', 'ko'],
    ['en-US', 'en'],
    ['ko;q=0, en;q=0.1', 'en'],
    ['fr-FR', 'en'],
  ])('%j → the reset mail in %s', async (acceptLanguage, locale) => {
    const { mail, locale: stored } = await resetMail(app, { 'accept-language': acceptLanguage });
    expect(stored).toBe(locale);
    expect(mail.subject).toBe(locale === 'ko' ? '비밀번호 재설정' : 'Reset your password');
    expect(mail.text).toContain(locale === 'ko' ? '30분' : '30 minutes');
    expect(mail.text).toMatch(new RegExp(`${APP_URL}/reset-password\\?token=[A-Za-z0-9_-]{43}`));
  });

  it('no Accept-Language → English', async () => {
    const { mail, locale } = await resetMail(app, {});
    expect(locale).toBe('en');
    expect(mail.subject).toBe('Reset your password');
    expect(mail.html).toContain('<a href="https://app.example.com/reset-password?token=');
  });

  it("the notice after a reset speaks the language of the reset's request, not of the link's", async () => {
    const { mail, email } = await resetMail(app, { 'accept-language': 'en-US' });
    const token = tokenFrom(mail, 'reset-password');
    expect((await app.gql(RESET_PASSWORD, { token, password: NEW_PASSWORD }, { 'accept-language': 'ko-KR' })).data).toEqual({ resetPassword: true });
    const [, notice] = await smtp.waitFor(email, 2);
    expect(notice!.subject).toBe('비밀번호가 변경되었습니다');
    const [row] = await app.sql<{ locale: string }>("select locale from mail_outbox where to_address = $1 and purpose = 'password_changed'", [email]);
    expect(row!.locale).toBe('ko');
  });

  it('the From header is the default sender, auth-gateway <no-reply@localhost>', async () => {
    const { mail } = await resetMail(app, {});
    expect(mail.from).toBe('no-reply@localhost');
    expect(mail.headers.get('from')).toMatchObject({ value: [{ name: 'auth-gateway', address: 'no-reply@localhost' }] });
  });
});

describe('MAIL_TEMPLATES_DIR and MAIL_FROM', () => {
  let app: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mail-templates-'));
    await writeFile(path.join(dir, 'reset_password.en.subject.txt'), 'Custom: reset\n');
    await writeFile(path.join(dir, 'reset_password.en.txt'), 'Go to {{link}} now');
    app = await createTestApp({ SMTP_URL: smtp.url, APP_URL, MAIL_TEMPLATES_DIR: dir, MAIL_FROM: 'Acme <auth@acme.test>' });
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the English reset mail takes its subject and text from the files, the link filled in; its HTML part stays built in; From is Acme', async () => {
    const { mail } = await resetMail(app, { 'accept-language': 'en' });
    expect(mail.subject).toBe('Custom: reset');
    const token = tokenFrom(mail, 'reset-password');
    expect(mail.text.trim()).toBe(`Go to ${APP_URL}/reset-password?token=${token} now`);
    expect(mail.html).toContain(`<a href="${APP_URL}/reset-password?token=${token}">`);
    expect(mail.html).toContain('Someone asked to reset the password of the account for');
    expect(mail.from).toBe('auth@acme.test');
    expect(mail.headers.get('from')).toMatchObject({ value: [{ name: 'Acme', address: 'auth@acme.test' }] });
  });

  it('a Korean request, for which there is no file, gets the built-in Korean mail from the same sender', async () => {
    const { mail } = await resetMail(app, { 'accept-language': 'ko' });
    expect(mail.subject).toBe('비밀번호 재설정');
    expect(mail.text).toContain(`${APP_URL}/reset-password?token=`);
    expect(mail.from).toBe('auth@acme.test');
  });
});
