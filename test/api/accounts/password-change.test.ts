import { ME, NEW_PASSWORD, REQUEST_PASSWORD_RESET, RESET_PASSWORD } from '../../helpers/account-mutations.js';
import { type AuthPayload, AUTH_FIELDS, loginState, PASSWORD, refresh, refreshed, sessionIdOf, signedIn, signIn, signUp, uniqueEmail } from '../../helpers/accounts.js';
import { withinOneSecond } from '../../helpers/eventually.js';
import { bearer, errorCode, type GraphQLResponse } from '../../helpers/graphql-client.js';
import { useMailApp } from '../../helpers/mail-app.js';
import { tokenFrom } from '../../helpers/smtp-sink.js';
import type { StoreKind } from '../../helpers/test-app.js';

const CHANGE = `mutation($current: String, $next: String!) { changePassword(currentPassword: $current, newPassword: $next) { ${AUTH_FIELDS} } }`;

describe.each<StoreKind>(['redis', 'postgres'])('changePassword (sessions in %s)', (store) => {
  // Two failures lock an account, so the lockout test needs few attempts; every other test uses a new account.
  const ctx = useMailApp({ APP_URL: 'https://app.example.com', SIGNIN_ACCOUNT_MAX_FAILURES: '2' }, { store });

  function change(accessToken: string | null, current: string | null | undefined, next: string): Promise<GraphQLResponse<{ changePassword: AuthPayload }>> {
    return ctx.app.gql<{ changePassword: AuthPayload }>(CHANGE, { current, next }, accessToken === null ? {} : bearer(accessToken));
  }

  async function passwordHash(userId: string): Promise<string | null> {
    const [row] = await ctx.app.sql<{ password_hash: string | null }>('select password_hash from users where id = $1', [userId]);
    return row!.password_hash;
  }

  it('needs a bearer token: without one (or with a bad one) UNAUTHENTICATED naming the login state, and nothing changes', async () => {
    const email = uniqueEmail();
    const user = await signUp(ctx.app, email);
    const before = await passwordHash(user.user.id);
    const none = await change(null, PASSWORD, NEW_PASSWORD);
    expect(errorCode(none)).toBe('UNAUTHENTICATED');
    expect(none.errors![0]!.extensions!.loginState).toBe('AUTHORIZATION_NOT_FOUND');
    expect(none.data).toBeNull();
    const forged = await change(`${user.accessToken}x`, PASSWORD, NEW_PASSWORD);
    expect(errorCode(forged)).toBe('UNAUTHENTICATED');
    expect(forged.errors![0]!.extensions!.loginState).toBe('TOKEN_INVALID');
    expect(await passwordHash(user.user.id)).toBe(before);
    expect((await signIn(ctx.app, email, PASSWORD)).data?.signIn.user.id).toBe(user.user.id);
  });

  it('with the right current password: a working pair, every other session ends within 1 s, only the new password signs in, and a notice is mailed', async () => {
    const email = uniqueEmail();
    const caller = await signUp(ctx.app, email);
    const others = [await signedIn(ctx.app, email), await signedIn(ctx.app, email)];

    const response = await change(caller.accessToken, PASSWORD, NEW_PASSWORD);
    expect(response.errors).toBeUndefined();
    const payload = response.data!.changePassword;
    expect(payload).toMatchObject({ tokenType: 'Bearer', isNewUser: false, user: { id: caller.user.id, email, hasPassword: true } });
    expect(payload.expiresIn).toBeGreaterThan(0);
    expect(payload.refreshExpiresIn).toBeGreaterThan(0);
    expect(response.text).not.toContain(NEW_PASSWORD);

    const me = await ctx.app.gql(ME, undefined, bearer(payload.accessToken));
    expect(me.data).toEqual({ me: { id: caller.user.id, email, emailVerified: false, pendingEmail: null, hasPassword: true } });
    for (const other of others) {
      expect(await withinOneSecond(() => loginState(ctx.app, other.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
      expect(errorCode(await refresh(ctx.app, other.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    }
    // The answered pair outlives the others: its access token still works and its refresh token rotates.
    expect(await loginState(ctx.app, payload.accessToken)).toBe('AUTHENTICATED');
    const rotated = await refreshed(ctx.app, payload.refreshToken);
    expect(await loginState(ctx.app, rotated.accessToken)).toBe('AUTHENTICATED');

    expect(errorCode(await signIn(ctx.app, email, PASSWORD))).toBe('INVALID_CREDENTIALS');
    expect((await signIn(ctx.app, email, NEW_PASSWORD)).data?.signIn.user.id).toBe(caller.user.id);

    const [notice] = await ctx.smtp.waitFor(email, 1);
    expect(notice!.subject).toBe('Your password was changed');
    expect(notice!.text).not.toContain('token=');
    expect(notice!.text).not.toContain(NEW_PASSWORD);
    expect(ctx.smtp.to(email)).toHaveLength(1);
  });

  it('keeps the caller\'s session: same session id, its old access token still works, its old refresh token stops at once (no grace window)', async () => {
    const caller = await signUp(ctx.app);
    const response = await change(caller.accessToken, PASSWORD, NEW_PASSWORD);
    const payload = response.data!.changePassword;
    const sid = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;
    expect(sid(payload.accessToken)).toBe(sid(caller.accessToken));
    expect(sessionIdOf(payload.refreshToken)).toBe(sessionIdOf(caller.refreshToken));
    expect(await loginState(ctx.app, caller.accessToken)).toBe('AUTHENTICATED');
    // Inside REFRESH_REUSE_GRACE: a rotated-out token would still be honoured; a replaced one is not.
    expect(errorCode(await refresh(ctx.app, caller.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    expect(await loginState(ctx.app, payload.accessToken)).toBe('AUTHENTICATED');
    expect((await refreshed(ctx.app, payload.refreshToken)).user.id).toBe(caller.user.id);
  });

  it('a wrong current password → INVALID_CREDENTIALS, and nothing changes: no session ends, the old password still signs in, no mail', async () => {
    const email = uniqueEmail();
    const caller = await signUp(ctx.app, email);
    const other = await signedIn(ctx.app, email);
    const before = await passwordHash(caller.user.id);

    const wrong = await change(caller.accessToken, 'not the password at all', NEW_PASSWORD);
    expect(errorCode(wrong)).toBe('INVALID_CREDENTIALS');
    expect(wrong.data).toBeNull();
    expect(await passwordHash(caller.user.id)).toBe(before);
    for (const pair of [caller, other]) expect(await loginState(ctx.app, pair.accessToken)).toBe('AUTHENTICATED');
    // (A second failure here would lock the account: the right password first clears the count.)
    expect((await signIn(ctx.app, email, PASSWORD)).data?.signIn.user.id).toBe(caller.user.id);
    expect(errorCode(await signIn(ctx.app, email, NEW_PASSWORD))).toBe('INVALID_CREDENTIALS');
    expect(await ctx.app.sql('select 1 from mail_outbox where to_address = $1', [email])).toEqual([]);
  });

  it('an account with a password must give it: currentPassword missing or null → INVALID_CREDENTIALS', async () => {
    const email = uniqueEmail();
    const caller = await signUp(ctx.app, email);
    const before = await passwordHash(caller.user.id);
    expect(errorCode(await change(caller.accessToken, undefined, NEW_PASSWORD))).toBe('INVALID_CREDENTIALS');
    // The failures above count against the account; the right password clears them before the next ones.
    expect((await signIn(ctx.app, email, PASSWORD)).data?.signIn.user.id).toBe(caller.user.id);
    expect(errorCode(await change(caller.accessToken, null, NEW_PASSWORD))).toBe('INVALID_CREDENTIALS');
    expect(await passwordHash(caller.user.id)).toBe(before);
    expect(await loginState(ctx.app, caller.accessToken)).toBe('AUTHENTICATED');
  });

  it('wrong current passwords count like failed sign-ins: after SIGNIN_ACCOUNT_MAX_FAILURES (2) the right password → RATE_LIMITED, to signIn and changePassword alike', async () => {
    const email = uniqueEmail();
    const caller = await signUp(ctx.app, email);
    const before = await passwordHash(caller.user.id);
    expect(errorCode(await change(caller.accessToken, 'wrong guess one', NEW_PASSWORD))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await change(caller.accessToken, null, NEW_PASSWORD))).toBe('INVALID_CREDENTIALS');

    const signInLocked = await signIn(ctx.app, email, PASSWORD);
    expect(errorCode(signInLocked)).toBe('RATE_LIMITED');
    expect(signInLocked.errors![0]!.extensions!.retryAfter).toEqual(expect.any(Number));
    const changeLocked = await change(caller.accessToken, PASSWORD, NEW_PASSWORD);
    expect(errorCode(changeLocked)).toBe('RATE_LIMITED');
    expect(changeLocked.errors![0]!.extensions!.retryAfter).toEqual(expect.any(Number));
    expect(await passwordHash(caller.user.id)).toBe(before);
    // The session itself is not touched by the lock.
    expect(await loginState(ctx.app, caller.accessToken)).toBe('AUTHENTICATED');
  });

  it('and failed sign-ins count against changePassword: two wrong signIns lock the account for it too', async () => {
    const email = uniqueEmail();
    const caller = await signUp(ctx.app, email);
    for (const guess of ['wrong guess one', 'wrong guess two']) expect(errorCode(await signIn(ctx.app, email, guess))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await change(caller.accessToken, PASSWORD, NEW_PASSWORD))).toBe('RATE_LIMITED');
    expect(errorCode(await signIn(ctx.app, email, NEW_PASSWORD))).toBe('RATE_LIMITED');
  });

  it.each([
    ['too short', 'short'],
    ['over 72 bytes', 'é'.repeat(37)],
  ])('a weak newPassword (%s) → BAD_USER_INPUT naming newPassword, and nothing changes', async (_name, weak) => {
    const email = uniqueEmail();
    const caller = await signUp(ctx.app, email);
    const before = await passwordHash(caller.user.id);
    const response = await change(caller.accessToken, PASSWORD, weak);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors![0]!.extensions!.field).toBe('newPassword');
    expect(await passwordHash(caller.user.id)).toBe(before);
    expect(await loginState(ctx.app, caller.accessToken)).toBe('AUTHENTICATED');
  });

  it('voids reset links requested before it: such a link → INVALID_EMAIL_TOKEN, and the changed password stays', async () => {
    const email = uniqueEmail();
    const caller = await signUp(ctx.app, email);
    expect((await ctx.app.gql(REQUEST_PASSWORD_RESET, { email })).data).toEqual({ requestPasswordReset: true });
    const [resetMail] = await ctx.smtp.waitFor(email, 1);
    const token = tokenFrom(resetMail!, 'reset-password');

    expect((await change(caller.accessToken, PASSWORD, NEW_PASSWORD)).errors).toBeUndefined();
    expect(errorCode(await ctx.app.gql(RESET_PASSWORD, { token, password: 'the attacker passphrase' }))).toBe('INVALID_EMAIL_TOKEN');
    expect(errorCode(await signIn(ctx.app, email, 'the attacker passphrase'))).toBe('INVALID_CREDENTIALS');
    expect((await signIn(ctx.app, email, NEW_PASSWORD)).data?.signIn.user.id).toBe(caller.user.id);
  });
});
