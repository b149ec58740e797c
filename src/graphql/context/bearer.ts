export type BearerHeader =
  | { kind: 'absent' }
  | { kind: 'other-scheme' }
  | { kind: 'malformed' }
  | { kind: 'token'; token: string };

const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Reads an Authorization header. The scheme is compared case-insensitively (RFC 9110); the rest
 * is strict: exactly one credential in JWS compact form, nothing after it. Unlike
 * `replace('Bearer ', '')`, a header such as `Basic xyz` never reaches token verification.
 */
export function readBearer(header: string | undefined): BearerHeader {
  const value = header?.trim() ?? '';
  if (value === '') return { kind: 'absent' };
  const [scheme = '', ...rest] = value.split(/ +/);
  if (scheme.toLowerCase() !== 'bearer') return { kind: 'other-scheme' };
  if (rest.length !== 1 || !JWS_COMPACT.test(rest[0]!)) return { kind: 'malformed' };
  return { kind: 'token', token: rest[0]! };
}
