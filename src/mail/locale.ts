/** The languages mails are written in; the first is the fallback. */
export const MAIL_LOCALES = ['en', 'ko'] as const;
export type MailLocale = (typeof MAIL_LOCALES)[number];

const MAX_HEADER_LENGTH = 512;

/**
 * The mail language for an Accept-Language header: the supported language the client prefers
 * most (by q-value, then order), English when none is.
 */
export function localeOf(acceptLanguage: string | null): MailLocale {
  if (!acceptLanguage) return MAIL_LOCALES[0];
  // A header cut short loses its last, partial entry: `ko;q=0` cut to `ko` would read as q=1.
  const read = acceptLanguage.length > MAX_HEADER_LENGTH ? acceptLanguage.slice(0, MAX_HEADER_LENGTH).replace(/,[^,]*$/, '') : acceptLanguage;
  const ranked = read
    .split(',')
    .map((entry, order) => {
      const [range = '', ...params] = entry.trim().split(';');
      return { language: range.trim().toLowerCase().split('-')[0]!, q: weightOf(params), order };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  return ranked.map((entry) => MAIL_LOCALES.find((locale) => locale === entry.language)).find((locale) => locale !== undefined) ?? MAIL_LOCALES[0];
}

/** RFC 9110's weight: 1 without a `q`, 0 (not acceptable) for one that is not a valid qvalue. */
function weightOf(params: string[]): number {
  const q = params.map((param) => param.trim()).find((param) => /^q\s*=/i.test(param));
  if (q === undefined) return 1;
  const value = /^q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i.exec(q)?.[1];
  return value === undefined ? 0 : Number(value);
}
