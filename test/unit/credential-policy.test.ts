import { AuthError } from '../../src/errors/auth-error.js';
import { checkNewPassword, checkPasswordSize, normalizeEmail, normalizeNickname } from '../../src/services/credential-policy.js';

/** The AuthError that `run` throws; fails when it throws nothing or something else. */
function refusal(run: () => unknown): AuthError {
  try {
    run();
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Ann.Lee@Example.COM ')).toBe('ann.lee@example.com');
  });

  it.each([
    ['not an address', 'not-an-email'],
    ['an empty string', ''],
    ['a 10 kB string', `${'a'.repeat(10_000)}@example.com`],
    ['an address over 254 characters', `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`],
  ])('refuses %s as BAD_USER_INPUT on email', (_name, raw) => {
    expect(refusal(() => normalizeEmail(raw)).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'email' });
  });
});

describe('checkNewPassword', () => {
  it.each([
    ['8 characters', 'abcdefgh'],
    ['72 ASCII bytes', 'p'.repeat(72)],
    ["36 × 'é' (72 UTF-8 bytes)", 'é'.repeat(36)],
  ])('accepts %s', (_name, password) => {
    expect(() => checkNewPassword(password)).not.toThrow();
  });

  it.each([
    ['shorter than 8 characters', 'short'],
    ['73 ASCII bytes', 'p'.repeat(73)],
    ["37 × 'é' (74 UTF-8 bytes, 37 characters)", 'é'.repeat(37)],
    ['1 MB', 'x'.repeat(1_000_000)],
  ])('refuses a password %s as BAD_USER_INPUT on password', (_name, password) => {
    expect(refusal(() => checkNewPassword(password)).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'password' });
  });

  it('never puts the password in the error message', () => {
    const password = 'secret-but-much-too-long-'.repeat(4);
    expect(refusal(() => checkNewPassword(password)).message).not.toContain('secret-but');
  });
});

describe('checkPasswordSize', () => {
  it('accepts any password up to 72 bytes, even a short one (sign-in does not judge strength)', () => {
    expect(() => checkPasswordSize('x')).not.toThrow();
    expect(() => checkPasswordSize('é'.repeat(36))).not.toThrow();
  });

  it.each([
    ['73 ASCII bytes', 'p'.repeat(73)],
    ["37 × 'é'", 'é'.repeat(37)],
    ['1 MB', 'x'.repeat(1_000_000)],
  ])('refuses %s as BAD_USER_INPUT on password', (_name, password) => {
    expect(refusal(() => checkPasswordSize(password)).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'password' });
  });
});

describe('normalizeNickname', () => {
  it('trims surrounding spaces', () => {
    expect(normalizeNickname('  Ann Lee ')).toBe('Ann Lee');
  });

  it('counts characters, not UTF-16 units: 50 emoji are allowed', () => {
    expect(normalizeNickname('😀'.repeat(50))).toBe('😀'.repeat(50));
  });

  it.each([
    ['blank', '   '],
    ['over 50 characters', 'n'.repeat(51)],
    ['with a control character', 'Ann\u0000Lee'],
  ])('refuses a nickname %s as BAD_USER_INPUT on nickname', (_name, raw) => {
    expect(refusal(() => normalizeNickname(raw)).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'nickname' });
  });
});
