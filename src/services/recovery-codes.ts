import { randomBytes } from 'node:crypto';
import { sha256 } from '../infra/random.js';

/** How many codes an enrolment hands out. */
export const RECOVERY_CODE_COUNT = 10;
// Crockford-style base32 without the look-alikes I, L, O and U.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 16 characters of 32: 80 bits each, far beyond guessing under the sign-in lock. */
const LENGTH = 16;

/** Fresh codes as shown once to the user: `XXXX-XXXX-XXXX-XXXX`. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = [...randomBytes(LENGTH)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
    return chars.match(/.{4}/g)!.join('-');
  });
}

/** True when `input` is shaped like a recovery code (any case, dashes and spaces optional). */
export function looksLikeRecoveryCode(input: string): boolean {
  const code = canonical(input);
  return code.length === LENGTH && [...code].every((c) => ALPHABET.includes(c));
}

/** What is stored of a code: the SHA-256 of its canonical form. Codes are random, so no salt is needed. */
export function hashRecoveryCode(input: string): string {
  return sha256(canonical(input));
}

function canonical(input: string): string {
  return input.replace(/[\s-]/g, '').toUpperCase();
}
