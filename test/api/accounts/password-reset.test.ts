import { NEW_PASSWORD, REQUEST_PASSWORD_RESET, RESET_PASSWORD } from '../../helpers/account-mutations.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { loginState, PASSWORD, refresh, signedIn, signIn, signUp, uniqueEmail } from '../../helpers/accounts.js';
import { withinOneSecond } from '../../helpers/eventually.js';
import { useMailApp } from '../../helpers/mail-app.js';
import { forgetMailMinute } from '../../helpers/mail-limits.js';
import { tokenFrom } from '../../helpers/smtp-sink.js';
import type { StoreKind } from '../../helpers/test-app.js';

describe.each<StoreKind>(['redis', 'postgres'])('forgot password (sessions in %s)', (store) => {
  const ctx = useMailApp({ APP_URL: 'https://app.example.com' }, { store });

  async function resetLink(email: string, count = 1): Promise<string> {
    const response = await ctx.app.gql(REQUEST_PASSWORD_RESET, { email });
    expect(response.data).toEqual({ requestPasswordReset: true });
    const mails = await ctx.smtp.waitFor(email, count);
    expect(mails).toHaveLength(count);
    return tokenFrom(mails[count - 1]!, 'reset-password');
  }

  it('mails a link; using it sets the password, verifies the email, ends every session within 1 s, returns no tokens and mails a notice', async () => {
    const email = uniqueEmail();
    const first = await signUp(ctx.app, email);
    const second = await signedIn(ctx.app, email);
    const token = await resetLink(email);
    const [mail] = ctx.smtp.to(email);
    expect(mail!.subject).toBe('Reset your password');
    expect(mail!.text).toContain(`https://app.example.com/reset-password?token=${token}`);
    expect(mail!.html).toContain('https://app.example.com/reset-password?token=');

    expect((await ctx.app.gql(RESET_PASSWORD, { token, password: NEW_PASSWORD })).data).toEqual({ resetPassword: true });
    for (const pair of [first, second]) {
      expect(await withinOneSecond(() => loginState(ctx.app, pair.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
      expect(errorCode(await refresh(ctx.app, pair.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    }
    expect(errorCode(await signIn(ctx.app, email, PASSWORD))).toBe('INVALID_CREDENTIALS');
    const after = await signIn(ctx.app, email, NEW_PASSWORD);
    expect(after.data?.signIn.user.emailVerified).toBe(true);
    const notices = await ctx.smtp.waitFor(email, 2);
    expect(notices[1]!.subject).toBe('Your password was changed');
    expect(notices[1]!.text).not.toContain('token=');
  });

  it('a link works once: used again, INVALID_EMAIL_TOKEN', async () => {
    const email = uniqueEmail();
    await signUp(ctx.app, email);
    const token = await resetLink(email);
    expect((await ctx.app.gql(RESET_PASSWORD, { token, password: NEW_PASSWORD })).data).toEqual({ resetPassword: true });
    expect(errorCode(await ctx.app.gql(RESET_PASSWORD, { token, password: 'yet another passphrase' }))).toBe('INVALID_EMAIL_TOKEN');
  });

  it('an expired link (past PASSWORD_RESET_TTL, 30 min) → INVALID_EMAIL_TOKEN, and the password stays', async () => {
    const email = uniqueEmail();
    await signUp(ctx.app, email);
    const token = await resetLink(email);
    ctx.app.clock.advance(30 * 60_000 + 1_000);
    expect(errorCode(await ctx.app.gql(RESET_PASSWORD, { token, password: NEW_PASSWORD }))).toBe('INVALID_EMAIL_TOKEN');
    expect((await signIn(ctx.app, email, PASSWORD)).data?.signIn.user.email).toBe(email);
  });

  it('using one link voids the others of that user; made-up and malformed tokens → INVALID_EMAIL_TOKEN', async () => {
    const email = uniqueEmail();
    await signUp(ctx.app, email);
    const older = await resetLink(email);
    await forgetMailMinute(ctx.app);
    const newer = await resetLink(email, 2);
    expect((await ctx.app.gql(RESET_PASSWORD, { token: newer, password: NEW_PASSWORD })).data).toEqual({ resetPassword: true });
    expect(errorCode(await ctx.app.gql(RESET_PASSWORD, { token: older, password: 'yet another passphrase' }))).toBe('INVALID_EMAIL_TOKEN');
    for (const token of ['', 'x'.repeat(43), `${older}x`, 'a'.repeat(10_000)]) {
      expect(errorCode(await ctx.app.gql(RESET_PASSWORD, { token, password: NEW_PASSWORD }))).toBe('INVALID_EMAIL_TOKEN');
    }
  });

  it('a weak new password is refused naming newPassword, and the link still works afterwards', async () => {
    const email = uniqueEmail();
    await signUp(ctx.app, email);
    const token = await resetLink(email);
    const weak = await ctx.app.gql(RESET_PASSWORD, { token, password: 'short' });
    expect(errorCode(weak)).toBe('BAD_USER_INPUT');
    expect(weak.errors![0]!.extensions!.field).toBe('newPassword');
    expect((await ctx.app.gql(RESET_PASSWORD, { token, password: NEW_PASSWORD })).data).toEqual({ resetPassword: true });
  });

  it('answers true for an unknown email and mails nothing', async () => {
    const email = uniqueEmail();
    expect((await ctx.app.gql(REQUEST_PASSWORD_RESET, { email })).data).toEqual({ requestPasswordReset: true });
    const known = uniqueEmail();
    await signUp(ctx.app, known);
    await resetLink(known);
    expect(ctx.smtp.to(email)).toEqual([]);
  });

  it('a signed-in device gets no say: the reset works without any access token, and a changed email voids the link', async () => {
    const email = uniqueEmail();
    const user = await signUp(ctx.app, email);
    const token = await resetLink(email);
    await ctx.app.sql('update users set email = $1 where id = $2', [uniqueEmail(), user.user.id]);
    expect(errorCode(await ctx.app.gql(RESET_PASSWORD, { token, password: NEW_PASSWORD }, bearer(user.accessToken)))).toBe('INVALID_EMAIL_TOKEN');
  });
});
