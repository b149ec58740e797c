import { type Environment, loadConfig } from '../../src/config/config.js';
import { configError } from '../helpers/config-error.js';

/** The mail part of the configuration table: SMTP_URL, MAIL_FROM, APP_URL, token lifetimes, REQUIRE_EMAIL_VERIFICATION, RATE_LIMIT_MAIL. */

/** The one problem line loading `env` gives; fails when there is not exactly one, or it names another variable. */
function expectOnlyProblem(env: Environment, variable: string): string {
  const { problems } = configError(env);
  expect(problems).toHaveLength(1);
  expect(problems[0]!.startsWith(`${variable}: `)).toBe(true);
  return problems[0]!;
}

const HOUR = 3_600_000;

describe('mail defaults', () => {
  it('match the configuration table: no SMTP, the default sender and app URL, 30m / 24h / 1h links, verification not required', () => {
    expect(loadConfig({}).mail).toEqual({
      smtpUrl: null,
      from: 'auth-gateway <no-reply@localhost>',
      appUrl: 'http://localhost:3000',
      templatesDir: null,
      tokenTtls: { passwordResetMs: HOUR / 2, emailVerificationMs: 24 * HOUR, emailChangeMs: HOUR },
      requireEmailVerification: false,
    });
  });

  it('RATE_LIMIT_MAIL defaults to 10 per hour per client address', () => {
    expect(loadConfig({}).rateLimits.mailPerAddress).toEqual({ points: 10, windowMs: HOUR });
  });

  it('blank values count as unset', () => {
    expect(loadConfig({ SMTP_URL: '', MAIL_FROM: '  ', APP_URL: '', PASSWORD_RESET_TTL: ' ', REQUIRE_EMAIL_VERIFICATION: '' }).mail).toMatchObject({
      smtpUrl: null,
      from: 'auth-gateway <no-reply@localhost>',
      appUrl: 'http://localhost:3000',
      tokenTtls: { passwordResetMs: HOUR / 2 },
      requireEmailVerification: false,
    });
  });
});

describe('SMTP_URL', () => {
  it.each(['smtp://user:pass@mail.example.com:587', 'smtps://mail.example.com', 'smtp://127.0.0.1:2525', 'smtp://[::1]:25'])('accepts %s', (value) => {
    expect(loadConfig({ SMTP_URL: value }).mail.smtpUrl).toBe(value);
  });

  it.each(['http://mail.example.com', 'https://mail.example.com', 'mailto:ops@example.com', 'mail.example.com:587', 'smtp//mail.example.com', 'redis://127.0.0.1:6379'])(
    'refuses %s with one line naming SMTP_URL',
    (value) => {
      expectOnlyProblem({ SMTP_URL: value }, 'SMTP_URL');
    },
  );

  it('never echoes the password of a refused URL', () => {
    const secret = 'Sm7p-s3cr3t';
    const error = configError({ SMTP_URL: `http://mailer:${secret}@mail.example.com:587` });
    expect(error.message).not.toContain(secret);
  });
});

describe('APP_URL', () => {
  it.each([
    ['https://app.example.com/', 'https://app.example.com'],
    ['https://app.example.com///', 'https://app.example.com'],
    ['https://app.example.com/base/', 'https://app.example.com/base'],
    ['https://app.example.com', 'https://app.example.com'],
    ['http://localhost:3000/', 'http://localhost:3000'],
  ])('%s → links start %s (no trailing slash)', (value, appUrl) => {
    expect(loadConfig({ APP_URL: value }).mail.appUrl).toBe(appUrl);
  });

  it.each(['ftp://app.example.com', 'javascript:alert(1)', 'app.example.com', '/reset'])('refuses %s', (value) => {
    expectOnlyProblem({ APP_URL: value }, 'APP_URL');
  });
});

describe('MAIL_FROM', () => {
  it.each(['Acme <auth@acme.test>', 'auth@acme.test', '"Acme Accounts" <auth@acme.test>', 'Acme 인증 <auth@acme.test>'])('accepts %j', (value) => {
    expect(loadConfig({ MAIL_FROM: value }).mail.from).toBe(value);
  });

  it.each([
    ['a line break in the name (a new header)', 'Acme\r\nBcc: victim@example.com <auth@acme.test>'],
    ['a bare LF', 'Acme\nX-Injected: 1 <auth@acme.test>'],
    ['a bare CR', 'Acme <auth@acme.test>\rBcc: victim@example.com'],
    ['a line break after the address', 'auth@acme.test\nBcc: victim@example.com'],
    ['no address', 'Acme'],
    ['an address without a domain', 'Acme <auth>'],
    ['two @', 'auth@@acme.test'],
  ])('refuses %s', (_, value) => {
    expectOnlyProblem({ MAIL_FROM: value }, 'MAIL_FROM');
  });
});

describe('token lifetimes', () => {
  it.each([
    ['PASSWORD_RESET_TTL', '15m', 'passwordResetMs', 15 * 60_000],
    ['PASSWORD_RESET_TTL', '900', 'passwordResetMs', 900_000],
    ['EMAIL_VERIFICATION_TTL', '2d', 'emailVerificationMs', 48 * HOUR],
    ['EMAIL_VERIFICATION_TTL', '3600s', 'emailVerificationMs', HOUR],
    ['EMAIL_CHANGE_TTL', '2h', 'emailChangeMs', 2 * HOUR],
  ] as const)('%s=%s → %s %i', (variable, value, field, ms) => {
    expect(loadConfig({ [variable]: value }).mail.tokenTtls[field]).toBe(ms);
  });

  it.each(['PASSWORD_RESET_TTL', 'EMAIL_VERIFICATION_TTL', 'EMAIL_CHANGE_TTL'])('%s refuses 0, a negative, a unit it does not know, and a fraction', (variable) => {
    for (const value of ['0', '0s', '-5m', '15x', '1.5h', 'forever']) expectOnlyProblem({ [variable]: value }, variable);
  });
});

describe('REQUIRE_EMAIL_VERIFICATION', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('%s → %p', (value, required) => {
    expect(loadConfig({ REQUIRE_EMAIL_VERIFICATION: value }).mail.requireEmailVerification).toBe(required);
  });

  it.each(['maybe', 'on', '2'])('refuses %s', (value) => {
    expectOnlyProblem({ REQUIRE_EMAIL_VERIFICATION: value }, 'REQUIRE_EMAIL_VERIFICATION');
  });
});

describe('RATE_LIMIT_MAIL', () => {
  it.each([
    ['3/1h', { points: 3, windowMs: HOUR }],
    ['20 / 10m', { points: 20, windowMs: 10 * 60_000 }],
    ['5/90', { points: 5, windowMs: 90_000 }],
  ])('%s → %p', (value, limit) => {
    expect(loadConfig({ RATE_LIMIT_MAIL: value }).rateLimits.mailPerAddress).toEqual(limit);
  });

  it.each(['10', '10 per hour', '0/1h', '10/0', '10/500ms', '/1h'])('refuses %s', (value) => {
    expectOnlyProblem({ RATE_LIMIT_MAIL: value }, 'RATE_LIMIT_MAIL');
  });
});

it('every bad mail variable at once → one ConfigError, one line each', () => {
  const bad = {
    SMTP_URL: 'http://mail.example.com',
    MAIL_FROM: 'Acme\r\nBcc: x@example.com <auth@acme.test>',
    APP_URL: 'ftp://app.example.com',
    PASSWORD_RESET_TTL: '0',
    EMAIL_VERIFICATION_TTL: 'soon',
    EMAIL_CHANGE_TTL: '-1h',
    REQUIRE_EMAIL_VERIFICATION: 'maybe',
    RATE_LIMIT_MAIL: 'lots',
  };
  const { problems } = configError(bad);
  expect(problems).toHaveLength(Object.keys(bad).length);
  for (const name of Object.keys(bad)) expect(problems.filter((line) => line.startsWith(`${name}: `))).toHaveLength(1);
});
