import { statSync } from 'node:fs';
import { parseDuration } from './duration.js';
import { boolean, positiveDuration, type Reader, url } from './parsers.js';

/** How long each kind of one-time token (a link in a mail) may be used. */
export interface EmailTokenTtls {
  readonly passwordResetMs: number;
  readonly emailVerificationMs: number;
  readonly emailChangeMs: number;
}

export interface MailConfig {
  /** null: no SMTP server. Development keeps the mails for GET /dev/mailbox; production refuses to mail links. */
  readonly smtpUrl: string | null;
  readonly from: string;
  /** Base of the links in mails, without a trailing slash. */
  readonly appUrl: string;
  /** A directory whose template files replace the built-in ones; null: the built-in ones. */
  readonly templatesDir: string | null;
  readonly tokenTtls: EmailTokenTtls;
  /** Password accounts get no session until their email is verified. */
  readonly requireEmailVerification: boolean;
}

export function readMailConfig(read: Reader): MailConfig {
  return {
    smtpUrl: read('SMTP_URL', null, (raw) => url(raw, ['smtp:', 'smtps:'])),
    from: read('MAIL_FROM', 'auth-gateway <no-reply@localhost>', sender),
    appUrl: read('APP_URL', 'http://localhost:3000', (raw) => url(raw, ['http:', 'https:']).replace(/\/+$/, '')),
    templatesDir: read('MAIL_TEMPLATES_DIR', null, directory),
    tokenTtls: {
      passwordResetMs: read('PASSWORD_RESET_TTL', parseDuration('30m'), positiveDuration),
      emailVerificationMs: read('EMAIL_VERIFICATION_TTL', parseDuration('24h'), positiveDuration),
      emailChangeMs: read('EMAIL_CHANGE_TTL', parseDuration('1h'), positiveDuration),
    },
    requireEmailVerification: read('REQUIRE_EMAIL_VERIFICATION', false, boolean),
  };
}

/** One sender: `name <address>` or a bare address; no line breaks (they would start new mail headers), no list. */
function sender(raw: string): string {
  if (!/^(?:[^<>@\s,]+@[^<>@\s,]+|[^<>@\r\n,]*<[^<>@\s,]+@[^<>@\s,]+>)$/.test(raw)) throw new Error('expected one address like "name <no-reply@example.com>"');
  return raw;
}

function directory(raw: string): string {
  let isDirectory = false;
  try {
    isDirectory = statSync(raw).isDirectory();
  } catch {
    // Reported below: missing or unreadable.
  }
  if (!isDirectory) throw new Error(`${raw} is not a readable directory`);
  return raw;
}
