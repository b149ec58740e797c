/**
 * Takes personal data and secrets out of text bound for a log: database drivers quote the values
 * of a failed statement (`Key (email)=(ada@example.com) already exists`, SQL literals with a
 * password hash), and such text reaches the log through error messages.
 */
export function scrubText(text: string): string {
  return text
    .replace(/Key \(([^)]*)\)=\((?:[^()]|\([^()]*\))*\)/g, 'Key ($1)=([redacted])')
    .replace(/'(?:[^']|'')*'/g, "'[redacted]'")
    // A mailed link's one-time token.
    .replace(/([?&]token=)[^\s&'"]+/g, '$1[redacted]')
    .replace(/[^\s@'"()<>,;:=]+@[^\s@'"()<>,;:=]+\.[A-Za-z]{2,}/g, '[email]');
}

/** Fields of a driver error that carry a statement's values: never logged. */
const VALUE_FIELDS = new Set(['parameters', 'params', 'values', 'bindings']);

/** A serialized error with every string scrubbed and value-carrying fields dropped (nested causes included). */
export function scrubError(serialized: unknown, depth = 0): unknown {
  if (typeof serialized === 'string') return scrubText(serialized);
  if (serialized === null || typeof serialized !== 'object' || depth > 4) return serialized;
  if (Array.isArray(serialized)) return serialized.map((item) => scrubError(item, depth + 1));
  return Object.fromEntries(
    Object.entries(serialized)
      .filter(([key]) => !VALUE_FIELDS.has(key))
      .map(([key, value]) => [key, scrubError(value, depth + 1)]),
  );
}
