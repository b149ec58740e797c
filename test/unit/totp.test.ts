import { matchingStep, newTotpSecret, totpCode } from '../../src/services/totp.js';
import { hashRecoveryCode, looksLikeRecoveryCode, newRecoveryCodes, RECOVERY_CODE_COUNT } from '../../src/services/recovery-codes.js';

// RFC 6238 Appendix B's SHA-1 seed, "12345678901234567890", in base32; its 8-digit codes end in these 6 digits.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP (RFC 6238, SHA-1, 6 digits, 30 s)', () => {
  it.each([
    [59, '287082'],
    [1_111_111_109, '081804'],
    [1_234_567_890, '005924'],
    [2_000_000_000, '279037'],
  ])('at %i s the code is %s (the RFC test vectors, last 6 digits)', (seconds, code) => {
    expect(totpCode(RFC_SECRET, seconds * 1000)).toBe(code);
    expect(matchingStep(RFC_SECRET, code, seconds * 1000)).toBe(Math.floor(seconds / 30));
  });

  it('accepts one step either way and names the step it matched; two steps away, nothing', () => {
    const now = 1_111_111_109_000;
    const step = Math.floor(now / 30_000);
    expect(matchingStep(RFC_SECRET, totpCode(RFC_SECRET, now - 30_000), now)).toBe(step - 1);
    expect(matchingStep(RFC_SECRET, totpCode(RFC_SECRET, now + 30_000), now)).toBe(step + 1);
    expect(matchingStep(RFC_SECRET, totpCode(RFC_SECRET, now - 60_000), now)).toBeNull();
    expect(matchingStep(RFC_SECRET, totpCode(RFC_SECRET, now + 60_000), now)).toBeNull();
  });

  it.each(['', '12345', '1234567', '12 345', 'abcdef', '２８７０８２'])('refuses %p without looking further', (code) => {
    expect(matchingStep(RFC_SECRET, code, 59_000)).toBeNull();
  });

  it('draws 160-bit secrets (32 base32 characters), never the same twice', () => {
    const secrets = new Set(Array.from({ length: 100 }, newTotpSecret));
    expect(secrets.size).toBe(100);
    for (const secret of secrets) expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  });
});

describe('recovery codes', () => {
  it('are 10 distinct XXXX-XXXX-XXXX-XXXX codes of 80 bits, recognised in any case and spacing', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const code of codes) {
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
      expect(looksLikeRecoveryCode(code.toLowerCase().replace(/-/g, ' '))).toBe(true);
      expect(hashRecoveryCode(code.toLowerCase().replace(/-/g, ''))).toBe(hashRecoveryCode(code));
    }
  });

  it('a TOTP code, or a code with a letter outside the alphabet, is not one', () => {
    expect(looksLikeRecoveryCode('287082')).toBe(false);
    expect(looksLikeRecoveryCode('ABCD-EFGH-IJKL-MNOP')).toBe(false);
  });
});
