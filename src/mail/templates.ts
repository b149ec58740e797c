import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BUILTIN_TEMPLATES, type MailText } from './builtin-templates.js';
import { MAIL_LOCALES, type MailLocale } from './locale.js';
import { MAIL_PURPOSES, type MailPurpose } from './purposes.js';


/** The values a template may use. */
export interface MailValues {
  /** The recipient's address. */
  email: string;
  link?: string;
  newEmail?: string;
  appUrl: string;
  /** How long the link works, in milliseconds. */
  expiresInMs?: number;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** One purpose and language, as overridden from MAIL_TEMPLATES_DIR (each part optional). */
interface Override {
  subject?: string;
  text?: string;
  html?: string;
}

/**
 * The mails, in English and Korean: built in, and overridable per purpose and language from a
 * directory holding `<purpose>.<locale>.subject.txt`, `<purpose>.<locale>.txt` and
 * `<purpose>.<locale>.html` (any of them). Files are read once, at start-up.
 */
export class MailTemplates {
  private readonly overrides = new Map<string, Override>();

  constructor(directory: string | null) {
    if (directory === null) return;
    for (const purpose of MAIL_PURPOSES) {
      for (const locale of MAIL_LOCALES) {
        const read = (suffix: string) => readOptional(path.join(directory, `${purpose}.${locale}.${suffix}`));
        const override: Override = { subject: read('subject.txt')?.trim(), text: read('txt'), html: read('html') };
        if (override.subject !== undefined || override.text !== undefined || override.html !== undefined) this.overrides.set(`${purpose}.${locale}`, override);
      }
    }
  }

  render(purpose: MailPurpose, locale: MailLocale, values: MailValues): RenderedMail {
    const builtin = BUILTIN_TEMPLATES[purpose][locale];
    const override = this.overrides.get(`${purpose}.${locale}`) ?? {};
    const fill = (template: string, escape: (value: string) => string) => template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
      const value = valueOf(name, values, locale);
      return value === undefined ? whole : escape(value);
    });
    return {
      // Header values never span lines.
      subject: fill(override.subject ?? builtin.subject, (value) => value).replace(/[\r\n]+/g, ' '),
      text: fill(override.text ?? builtin.paragraphs.join('\n\n'), (value) => value),
      html: override.html === undefined ? fill(defaultHtml(builtin), escapeHtml) : fill(override.html, escapeHtml),
    };
  }
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function valueOf(name: string, values: MailValues, locale: MailLocale): string | undefined {
  if (name === 'expiresIn') return values.expiresInMs === undefined ? undefined : lifetime(values.expiresInMs, locale);
  const value = (values as unknown as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** `30 minutes`, `24 hours`; `30분`, `24시간`. */
function lifetime(ms: number, locale: MailLocale): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  const [count, unit] = minutes % 60 === 0 ? [minutes / 60, 'hour'] : [minutes, 'minute'];
  if (locale === 'ko') return `${count}${unit === 'hour' ? '시간' : '분'}`;
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** The built-in text as simple HTML: a paragraph each, the link a link. */
function defaultHtml(mail: MailText): string {
  const paragraphs = mail.paragraphs.map((paragraph) => (paragraph === '{{link}}' ? '<p><a href="{{link}}">{{link}}</a></p>' : `<p>${paragraph}</p>`));
  return `<!doctype html>\n<html><body style="font-family: sans-serif; line-height: 1.5">\n${paragraphs.join('\n')}\n</body></html>\n`;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
