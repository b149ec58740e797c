import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUILTIN_TEMPLATES } from '../../src/mail/builtin-templates.js';
import { retryDelayMs } from '../../src/mail/outbox-sender.js';
import { MAIL_PURPOSES } from '../../src/mail/purposes.js';
import { MailTemplates } from '../../src/mail/templates.js';

const APP_URL = 'https://app.example.com';
const LINK = `${APP_URL}/reset-password?token=abc_DEF-123`;
const MINUTE = 60_000;
const builtin = new MailTemplates(null);

/** A MailTemplates reading `files` from a fresh directory, removed afterwards. */
async function withOverrides(files: Record<string, string>, use: (templates: MailTemplates) => void): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mail-templates-'));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    use(new MailTemplates(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('built-in templates', () => {
  it('the reset mail: English subject, the email and the whole link in the text, the link as a link in the HTML, "30 minutes"', () => {
    const mail = builtin.render('reset_password', 'en', { email: 'ada@example.com', link: LINK, appUrl: APP_URL, expiresInMs: 30 * MINUTE });
    expect(mail.subject).toBe('Reset your password');
    expect(mail.text).toContain('ada@example.com');
    expect(mail.text.split('\n')).toContain(LINK);
    expect(mail.text).toContain('for 30 minutes.');
    expect(mail.text).not.toMatch(/\{\{\w+\}\}/);
    expect(mail.html).toContain(`<a href="${LINK}">${LINK}</a>`);
    expect(mail.html).toContain('<p>Someone asked to reset the password of the account for ada@example.com.');
  });

  it('the reset mail in Korean: "비밀번호 재설정", "30분"', () => {
    const mail = builtin.render('reset_password', 'ko', { email: 'ada@example.com', link: LINK, appUrl: APP_URL, expiresInMs: 30 * MINUTE });
    expect(mail.subject).toBe('비밀번호 재설정');
    expect(mail.text).toContain('30분');
    expect(mail.text).toContain(LINK);
  });

  it.each([
    ['verify_email', 'en', 24 * 60 * MINUTE, 'for 24 hours.'],
    ['change_email_new', 'en', 60 * MINUTE, 'for 1 hour.'],
    ['change_email_current', 'en', 60 * MINUTE, 'for 1 hour.'],
    ['reset_password', 'en', MINUTE, 'for 1 minute.'],
    ['reset_password', 'en', 90 * MINUTE, 'for 90 minutes.'],
    ['reset_password', 'en', 0, 'for 1 minute.'],
    ['verify_email', 'ko', 24 * 60 * MINUTE, '24시간'],
    ['change_email_new', 'ko', 60 * MINUTE, '1시간'],
    ['reset_password', 'ko', 45 * MINUTE, '45분'],
  ] as const)('%s (%s), a link lasting %i ms, says %j', (purpose, locale, expiresInMs, words) => {
    const mail = builtin.render(purpose, locale, { email: 'ada@example.com', newEmail: 'new@example.com', link: LINK, appUrl: APP_URL, expiresInMs });
    expect(mail.text).toContain(words);
  });

  it('every purpose and language renders with no placeholder left and no line break in the subject', () => {
    for (const purpose of MAIL_PURPOSES) {
      for (const locale of ['en', 'ko'] as const) {
        const mail = builtin.render(purpose, locale, { email: 'ada@example.com', newEmail: 'new@example.com', link: LINK, appUrl: APP_URL, expiresInMs: 30 * MINUTE });
        expect(mail.subject).toBe(BUILTIN_TEMPLATES[purpose][locale].subject);
        expect(`${mail.subject}${mail.text}${mail.html}`).not.toMatch(/\{\{\w+\}\}/);
        expect(mail.subject).not.toMatch(/[\r\n]/);
      }
    }
  });

  it('the email-change mails name both addresses; a notice carries APP_URL but no link', () => {
    const change = builtin.render('change_email_current', 'en', { email: 'old@example.com', newEmail: 'new@example.com', link: LINK, appUrl: APP_URL, expiresInMs: 60 * MINUTE });
    expect(change.text).toContain('from old@example.com to new@example.com');
    const notice = builtin.render('password_changed', 'en', { email: 'ada@example.com', appUrl: APP_URL });
    expect(notice.subject).toBe('Your password was changed');
    expect(notice.text).toContain(APP_URL);
    expect(notice.text).not.toContain('token=');
  });
});

describe('values are escaped in HTML, never re-read as template', () => {
  const hostile = '"<script>alert(1)</script>"@example.com';

  it('an email with <script>: escaped in the HTML part, as written in the text part', () => {
    const mail = builtin.render('reset_password', 'en', { email: hostile, link: LINK, appUrl: APP_URL, expiresInMs: 30 * MINUTE });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('"<script');
    expect(mail.html).toContain('&#34;&#60;script&#62;alert(1)&#60;/script&#62;&#34;@example.com');
    expect(mail.text).toContain(hostile);
  });

  it('a link with & and quotes stays inside its href attribute', () => {
    const link = `${APP_URL}/reset-password?token=a&b="><img src=x onerror=alert(1)>`;
    const mail = builtin.render('reset_password', 'en', { email: 'ada@example.com', link, appUrl: APP_URL, expiresInMs: 30 * MINUTE });
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('href="https://app.example.com/reset-password?token=a&#38;b=&#34;&#62;&#60;img');
  });

  it('a value holding {{link}} is not filled in again', () => {
    const mail = builtin.render('reset_password', 'en', { email: 'x{{link}}@example.com', link: LINK, appUrl: APP_URL, expiresInMs: 30 * MINUTE });
    expect(mail.text).toContain('x{{link}}@example.com');
    expect(mail.text.split(LINK)).toHaveLength(2);
  });
});

describe('overrides from MAIL_TEMPLATES_DIR', () => {
  it('a subject and a text file replace the built-in ones, with placeholders filled; the HTML stays built in; Korean stays built in', async () => {
    await withOverrides({ 'reset_password.en.subject.txt': 'Custom: reset\n', 'reset_password.en.txt': 'Go to {{link}} now ({{expiresIn}}, {{email}}, {{appUrl}})' }, (templates) => {
      const mail = templates.render('reset_password', 'en', { email: 'ada@example.com', link: LINK, appUrl: APP_URL, expiresInMs: 30 * MINUTE });
      expect(mail.subject).toBe('Custom: reset');
      expect(mail.text).toBe(`Go to ${LINK} now (30 minutes, ada@example.com, ${APP_URL})`);
      expect(mail.html).toBe(builtin.render('reset_password', 'en', { email: 'ada@example.com', link: LINK, appUrl: APP_URL, expiresInMs: 30 * MINUTE }).html);
      expect(templates.render('reset_password', 'ko', { email: 'ada@example.com', link: LINK, appUrl: APP_URL, expiresInMs: 30 * MINUTE }).subject).toBe('비밀번호 재설정');
      expect(templates.render('verify_email', 'en', { email: 'ada@example.com', link: LINK, appUrl: APP_URL, expiresInMs: MINUTE }).subject).toBe('Confirm your email address');
    });
  });

  it('an HTML file is used with its values escaped; an unknown placeholder is left as written', async () => {
    await withOverrides({ 'reset_password.en.html': '<p>Hi {{email}}: <a href="{{link}}">reset</a> {{nonsense}}</p>' }, (templates) => {
      const mail = templates.render('reset_password', 'en', { email: '<b>ada</b>@example.com', link: LINK, appUrl: APP_URL, expiresInMs: 30 * MINUTE });
      expect(mail.html).toBe(`<p>Hi &#60;b&#62;ada&#60;/b&#62;@example.com: <a href="${LINK}">reset</a> {{nonsense}}</p>`);
      expect(mail.subject).toBe('Reset your password');
    });
  });

  it('a subject never spans lines, neither from the file nor from a value', async () => {
    await withOverrides({ 'reset_password.en.subject.txt': 'Reset\r\nBcc: evil@example.com for {{email}}' }, (templates) => {
      const mail = templates.render('reset_password', 'en', { email: 'a@example.com\r\nX-Injected: 1', link: LINK, appUrl: APP_URL, expiresInMs: 30 * MINUTE });
      expect(mail.subject).not.toMatch(/[\r\n]/);
      expect(mail.subject).toBe('Reset Bcc: evil@example.com for a@example.com X-Injected: 1');
    });
  });
});

describe('retryDelayMs: exponential backoff between SMTP attempts', () => {
  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [4, 8_000],
    [6, 32_000],
    [7, 60_000],
    [8, 60_000],
    [100, 60_000],
    [10_000, 60_000],
  ])('after %i failed attempts → %i ms', (attempts, ms) => {
    expect(retryDelayMs(attempts)).toBe(ms);
  });

  it('never less than a second, never more than a minute, never decreasing', () => {
    expect(retryDelayMs(0)).toBe(1_000);
    let previous = 0;
    for (let attempts = 0; attempts < 2_000; attempts++) {
      const delay = retryDelayMs(attempts);
      expect(delay).toBeGreaterThanOrEqual(Math.max(1_000, previous));
      expect(delay).toBeLessThanOrEqual(60_000);
      previous = delay;
    }
  });
});
