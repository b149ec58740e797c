import { isEmail } from 'class-validator';
import { badInput } from '../errors/auth-error.js';

const EMAIL_MAX_LENGTH = 254;
const PASSWORD_MIN_LENGTH = 8;
/** bcrypt reads at most 72 bytes; longer passwords are refused instead of silently truncated. */
const PASSWORD_MAX_BYTES = 72;
export const NICKNAME_MAX_LENGTH = 50;

/** Trimmed and lower-cased, so one mailbox maps to one account. Caps length before any other work. */
export function normalizeEmail(raw: string, field = 'email'): string {
  if (raw.length > EMAIL_MAX_LENGTH * 2) throw badInput(field, `Email must be at most ${EMAIL_MAX_LENGTH} characters.`);
  const email = raw.trim().toLowerCase();
  if (email.length > EMAIL_MAX_LENGTH) throw badInput(field, `Email must be at most ${EMAIL_MAX_LENGTH} characters.`);
  if (!isEmail(email)) throw badInput(field, 'Email is not a valid address.');
  return email;
}

/** Checks the size limits every password obeys, before any hashing. */
export function checkPasswordSize(password: string, field = 'password'): void {
  if (password.length > PASSWORD_MAX_BYTES || Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    throw badInput(field, `Password must be at most ${PASSWORD_MAX_BYTES} bytes.`);
  }
}

/** The rules for a new password; `field` names the argument that carries it. */
export function checkNewPassword(password: string, field = 'password'): void {
  checkPasswordSize(password, field);
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    throw badInput(field, `Password must be at least ${PASSWORD_MIN_LENGTH} characters.`);
  }
}

export function normalizeNickname(raw: string): string {
  const nickname = raw.trim();
  if (nickname.length === 0) throw badInput('nickname', 'Nickname must not be empty.');
  if ([...nickname].length > NICKNAME_MAX_LENGTH) throw badInput('nickname', `Nickname must be at most ${NICKNAME_MAX_LENGTH} characters.`);
  if (/\p{Cc}/u.test(nickname)) throw badInput('nickname', 'Nickname must not contain control characters.');
  return nickname;
}
