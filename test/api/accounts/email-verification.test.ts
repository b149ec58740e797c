import { ME, type Me, NEW_PASSWORD, REQUEST_EMAIL_VERIFICATION, REQUEST_PASSWORD_RESET, RESET_PASSWORD, VERIFY_EMAIL } from '../../helpers/account-mutations.js';
import { loginState, PASSWORD, signIn, signUp, storedSessionIds, uniqueEmail } from '../../helpers/accounts.js';
import { withinOneSecond } from '../../helpers/eventually.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { useMailApp } from '../../helpers/mail-app.js';
import { forgetMailMinute } from '../../helpers/mail-limits.js';
import { tokenFrom } from '../../helpers/smtp-sink.js';
import type { StoreKind } from '../../helpers/test-app.js';

const APP_URL = 'https://app.example.com';
const SIGN_UP = 'mutation($input: SignUpInput!) { signUp(input: $input) { accessToken refreshToken user { id } } }';
const DAY = 24 * 60 * 60_000;

describe.each<StoreKind>(['redis', 'postgres'])('email verification (sessions in %s)', (store) => {
  const ctx = useMailApp({ APP_URL }, { store });

  /** Asks for a link as the signed-in user and returns the token of the `count`-th mail to `email`. */
  async function verificationLink(accessToken: string, email: string, count = 1): Promise<string> {
    expect((await ctx.app.gql(REQUEST_EMAIL_VERIFICATION, undefined, bearer(accessToken))).data).toEqual({ requestEmailVerification: true });
    const mails = await ctx.smtp.waitFor(email, count);
    expect(mails).toHaveLength(count);
    return tokenFrom(mails[count - 1]!, 'verify-email');
  }
  const verify = (token: string, headers?: Record<string, string>) => ctx.app.gql<{ verifyEmail: boolean }>(VERIFY_EMAIL, { token }, headers);
  const me = async (accessToken: string) => (await ctx.app.gql<{ me: Me }>(ME, undefined, bearer(accessToken))).data!.me;
  // Profiles are cached per instance and dropped when the database announces a change: within 1 s.
  const meOnce = (accessToken: string, done: (me: Me) => boolean) => withinOneSecond(() => me(accessToken), done);
  const stored = async (userId: string) =>
    (await ctx.app.sql<{ email: string | null; email_verified: boolean }>('select email, email_verified from users where id = $1', [userId]))[0];
  const queuedLinks = async (email: string) => (await ctx.app.sql("select 1 from mail_outbox where to_address = $1 and purpose = 'verify_email'", [email])).length;

  it('needs a bearer token: without one, UNAUTHENTICATED', async () => {
    expect(errorCode(await ctx.app.gql(REQUEST_EMAIL_VERIFICATION))).toBe('UNAUTHENTICATED');
  });

  it("mails a link to the account's email; using it verifies the email; used again, INVALID_EMAIL_TOKEN", async () => {
    const email = uniqueEmail();
    const user = await signUp(ctx.app, email);
    expect(await me(user.accessToken)).toEqual({ id: user.user.id, email, emailVerified: false, pendingEmail: null, hasPassword: true });
    const token = await verificationLink(user.accessToken, email);
    const [mail] = ctx.smtp.to(email);
    expect(mail!.subject).toBe('Confirm your email address');
    expect(mail!.text).toContain(`${APP_URL}/verify-email?token=${token}`);

    expect((await verify(token, bearer(user.accessToken))).data).toEqual({ verifyEmail: true });
    expect(await meOnce(user.accessToken, (m) => m.emailVerified)).toMatchObject({ email, emailVerified: true, pendingEmail: null });
    expect(await stored(user.user.id)).toEqual({ email, email_verified: true });
    expect(errorCode(await verify(token))).toBe('INVALID_EMAIL_TOKEN');
    expect(await loginState(ctx.app, user.accessToken)).toBe('AUTHENTICATED');
  });

  it("the caller's own `me` shows the change at once: the instance drops its copy when the change commits, not only when the database's announcement arrives", async () => {
    // Before that, `me` right after verifyEmail could read the copy cached while the bearer token was checked (a third of the time on a busy host).
    for (let round = 0; round < 5; round += 1) {
      const email = uniqueEmail();
      const user = await signUp(ctx.app, email);
      const token = await verificationLink(user.accessToken, email);
      expect((await verify(token, bearer(user.accessToken))).data).toEqual({ verifyEmail: true });
      expect(await me(user.accessToken)).toMatchObject({ email, emailVerified: true });
    }
  });

  it('an account already verified: true, and no new mail', async () => {
    const email = uniqueEmail();
    const user = await signUp(ctx.app, email);
    expect((await verify(await verificationLink(user.accessToken, email))).data).toEqual({ verifyEmail: true });
    await forgetMailMinute(ctx.app);
    expect((await ctx.app.gql(REQUEST_EMAIL_VERIFICATION, undefined, bearer(user.accessToken))).data).toEqual({ requestEmailVerification: true });
    expect(await queuedLinks(email)).toBe(1);
    // A mail queued after it arrives, so the outbox had its chance to send a second link.
    expect((await ctx.app.gql(REQUEST_PASSWORD_RESET, { email })).data).toEqual({ requestPasswordReset: true });
    expect((await ctx.smtp.waitFor(email, 2)).map((mail) => mail.subject)).toEqual(['Confirm your email address', 'Reset your password']);
  });

  it('using one link voids the older ones of that user', async () => {
    const email = uniqueEmail();
    const user = await signUp(ctx.app, email);
    const older = await verificationLink(user.accessToken, email);
    await forgetMailMinute(ctx.app);
    const newer = await verificationLink(user.accessToken, email, 2);
    expect((await verify(newer)).data).toEqual({ verifyEmail: true });
    expect(errorCode(await verify(older))).toBe('INVALID_EMAIL_TOKEN');
  });

  it('an expired link (past 24 h) → INVALID_EMAIL_TOKEN and the email stays unverified; a new link then works', async () => {
    const email = uniqueEmail();
    const user = await signUp(ctx.app, email);
    const token = await verificationLink(user.accessToken, email);
    ctx.app.clock.advance(DAY + 1_000);
    expect(errorCode(await verify(token))).toBe('INVALID_EMAIL_TOKEN');
    expect(await stored(user.user.id)).toEqual({ email, email_verified: false });

    await forgetMailMinute(ctx.app);
    const fresh = (await signIn(ctx.app, email, PASSWORD)).data!.signIn;
    expect((await verify(await verificationLink(fresh.accessToken, email, 2))).data).toEqual({ verifyEmail: true });
    expect(await stored(user.user.id)).toEqual({ email, email_verified: true });
  });

  it('a reset-password token is of another purpose: INVALID_EMAIL_TOKEN, and it still resets the password', async () => {
    const email = uniqueEmail();
    const user = await signUp(ctx.app, email);
    await ctx.app.gql(REQUEST_PASSWORD_RESET, { email });
    const [resetMail] = await ctx.smtp.waitFor(email);
    const resetToken = tokenFrom(resetMail!, 'reset-password');
    expect(errorCode(await verify(resetToken, bearer(user.accessToken)))).toBe('INVALID_EMAIL_TOKEN');
    expect(await me(user.accessToken)).toMatchObject({ emailVerified: false });

    // Nor does a verification token reset a password.
    const verifyToken = await verificationLink(user.accessToken, email, 2);
    expect(errorCode(await ctx.app.gql(RESET_PASSWORD, { token: verifyToken, password: NEW_PASSWORD }))).toBe('INVALID_EMAIL_TOKEN');
    expect((await ctx.app.gql(RESET_PASSWORD, { token: resetToken, password: NEW_PASSWORD })).data).toEqual({ resetPassword: true });
  });

  it("user A's link with user B's bearer token → INVALID_EMAIL_TOKEN, A stays unverified, and A can still use it", async () => {
    const emailA = uniqueEmail();
    const a = await signUp(ctx.app, emailA);
    const b = await signUp(ctx.app);
    const token = await verificationLink(a.accessToken, emailA);
    expect(errorCode(await verify(token, bearer(b.accessToken)))).toBe('INVALID_EMAIL_TOKEN');
    expect(await me(a.accessToken)).toMatchObject({ emailVerified: false });
    expect(await me(b.accessToken)).toMatchObject({ emailVerified: false });
    expect(await stored(a.user.id)).toEqual({ email: emailA, email_verified: false });

    expect((await verify(token)).data).toEqual({ verifyEmail: true });
    expect(await meOnce(a.accessToken, (m) => m.emailVerified)).toMatchObject({ email: emailA, emailVerified: true });
    expect(await me(b.accessToken)).toMatchObject({ emailVerified: false });
  });

  it("a link is void once the account's email changed", async () => {
    const email = uniqueEmail();
    const user = await signUp(ctx.app, email);
    const token = await verificationLink(user.accessToken, email);
    const changed = uniqueEmail();
    await ctx.app.sql('update users set email = $1 where id = $2', [changed, user.user.id]);
    expect(errorCode(await verify(token, bearer(user.accessToken)))).toBe('INVALID_EMAIL_TOKEN');
    expect(errorCode(await verify(token))).toBe('INVALID_EMAIL_TOKEN');
    expect(await stored(user.user.id)).toEqual({ email: changed, email_verified: false });
    expect(await meOnce(user.accessToken, (m) => m.email === changed)).toMatchObject({ email: changed, emailVerified: false });
  });
});

describe.each<StoreKind>(['redis', 'postgres'])('REQUIRE_EMAIL_VERIFICATION=true (sessions in %s)', (store) => {
  const ctx = useMailApp({ APP_URL, REQUIRE_EMAIL_VERIFICATION: 'true' }, { store });

  const signUpRaw = (email: string) => ctx.app.gql<{ signUp: { accessToken: string } | null }>(SIGN_UP, { input: { email, password: PASSWORD, nickname: 'Tester' } });

  it('signUp creates the account and mails a link, but answers EMAIL_NOT_VERIFIED with no tokens', async () => {
    const email = uniqueEmail();
    const response = await signUpRaw(email);
    expect(errorCode(response)).toBe('EMAIL_NOT_VERIFIED');
    expect(response.data?.signUp ?? null).toBeNull();
    expect(response.text).not.toMatch(/accessToken|refreshToken|eyJ/);
    const [row] = await ctx.app.sql<{ id: string; email_verified: boolean; password_hash: string | null }>('select id, email_verified, password_hash from users where email = $1', [email]);
    expect(row).toEqual({ id: expect.any(String), email_verified: false, password_hash: expect.stringMatching(/^\$2/) });
    expect(await storedSessionIds(ctx.app, row!.id)).toEqual([]);
    const [mail] = await ctx.smtp.waitFor(email);
    expect(mail!.text).toContain(`${APP_URL}/verify-email?token=${tokenFrom(mail!, 'verify-email')}`);
  });

  it('signIn: a wrong password → INVALID_CREDENTIALS, the right one → EMAIL_NOT_VERIFIED; after verifyEmail it signs in', async () => {
    const email = uniqueEmail();
    expect(errorCode(await signUpRaw(email))).toBe('EMAIL_NOT_VERIFIED');
    expect(errorCode(await signIn(ctx.app, email, 'not the password at all'))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await signIn(ctx.app, uniqueEmail(), PASSWORD))).toBe('INVALID_CREDENTIALS');
    const refused = await signIn(ctx.app, email, PASSWORD);
    expect(errorCode(refused)).toBe('EMAIL_NOT_VERIFIED');
    expect(refused.data?.signIn ?? null).toBeNull();

    const [mail] = await ctx.smtp.waitFor(email);
    expect((await ctx.app.gql(VERIFY_EMAIL, { token: tokenFrom(mail!, 'verify-email') })).data).toEqual({ verifyEmail: true });
    expect(errorCode(await signIn(ctx.app, email, 'not the password at all'))).toBe('INVALID_CREDENTIALS');
    const signedIn = await signIn(ctx.app, email, PASSWORD);
    expect(signedIn.errors).toBeUndefined();
    expect(signedIn.data!.signIn.user).toMatchObject({ email, emailVerified: true });
    expect(await loginState(ctx.app, signedIn.data!.signIn.accessToken)).toBe('AUTHENTICATED');
  });
});
