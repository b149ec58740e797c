import { NEW_PASSWORD } from '../../helpers/account-mutations.js';
import { admin } from '../../helpers/admin-cli.js';
import { loginState, PASSWORD, signIn, signUp, uniqueEmail } from '../../helpers/accounts.js';
import { withinOneSecond } from '../../helpers/eventually.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { useMailApp } from '../../helpers/mail-app.js';
import { challengeOf, codeAt, enrolTotp, MFA_ME } from '../../helpers/second-factor.js';
import type { StoreKind } from '../../helpers/test-app.js';

const CHANGE_PASSWORD = 'mutation($code: String) { changePassword(currentPassword: "correct horse battery", newPassword: "a brand new passphrase", code: $code) { accessToken } }';
const REQUEST_EMAIL_CHANGE = 'mutation($to: String!, $code: String) { requestEmailChange(newEmail: $to, password: "correct horse battery", code: $code) }';
const DELETE_ACCOUNT = 'mutation($code: String) { deleteAccount(password: "correct horse battery", code: $code) }';

describe.each<StoreKind>(['redis', 'postgres'])('changes that need a code while MFA is on (sessions in %s)', (store) => {
  const ctx = useMailApp({ SIGNIN_ACCOUNT_MAX_FAILURES: '50' }, { store });

  async function withMfa() {
    const email = uniqueEmail();
    const user = await signUp(ctx.app, email);
    return { email, user, ...(await enrolTotp(ctx.app, user.accessToken)) };
  }

  async function passwordHash(userId: string): Promise<string | null> {
    const [row] = await ctx.app.sql<{ password_hash: string | null }>('select password_hash from users where id = $1', [userId]);
    return row?.password_hash ?? null;
  }

  it('changePassword: no code or a wrong one → INVALID_MFA_CODE and the password stays; a current code → changed', async () => {
    const { email, user, secret } = await withMfa();
    const before = await passwordHash(user.user.id);
    expect(errorCode(await ctx.app.gql(CHANGE_PASSWORD, {}, bearer(user.accessToken)))).toBe('INVALID_MFA_CODE');
    expect(errorCode(await ctx.app.gql(CHANGE_PASSWORD, { code: codeAt(ctx.app, secret, 9 * 30_000) }, bearer(user.accessToken)))).toBe('INVALID_MFA_CODE');
    expect(await passwordHash(user.user.id)).toBe(before);
    expect((await ctx.app.gql(CHANGE_PASSWORD, { code: codeAt(ctx.app, secret) }, bearer(user.accessToken))).errors).toBeUndefined();
    expect(await passwordHash(user.user.id)).not.toBe(before);
    expect(challengeOf(await signIn(ctx.app, email, NEW_PASSWORD)).methods).toEqual(['TOTP', 'RECOVERY_CODE']);
  });

  it('requestEmailChange: no code → INVALID_MFA_CODE and no change pending; a recovery code → pending', async () => {
    const { user, recoveryCodes } = await withMfa();
    const to = uniqueEmail();
    expect(errorCode(await ctx.app.gql(REQUEST_EMAIL_CHANGE, { to }, bearer(user.accessToken)))).toBe('INVALID_MFA_CODE');
    const pending = async () => (await ctx.app.sql<{ pending_email: string | null }>('select pending_email from users where id = $1', [user.user.id]))[0]!.pending_email;
    expect(await pending()).toBeNull();
    expect((await ctx.app.gql(REQUEST_EMAIL_CHANGE, { to, code: recoveryCodes[0] }, bearer(user.accessToken))).data).toEqual({ requestEmailChange: true });
    expect(await pending()).toBe(to);
  });

  it('deleteAccount: no code → INVALID_MFA_CODE and the account stays; a current code → deleted, factors with it', async () => {
    const { user, secret } = await withMfa();
    expect(errorCode(await ctx.app.gql(DELETE_ACCOUNT, {}, bearer(user.accessToken)))).toBe('INVALID_MFA_CODE');
    expect(await ctx.app.sql('select 1 from users where id = $1', [user.user.id])).toHaveLength(1);
    expect((await ctx.app.gql(DELETE_ACCOUNT, { code: codeAt(ctx.app, secret) }, bearer(user.accessToken))).data).toEqual({ deleteAccount: true });
    expect(await ctx.app.sql('select 1 from totp_factors where user_id = $1 union all select 1 from recovery_codes where user_id = $1', [user.user.id])).toEqual([]);
  });

  it('without MFA no code is asked for', async () => {
    const user = await signUp(ctx.app);
    expect((await ctx.app.gql(CHANGE_PASSWORD, {}, bearer(user.accessToken))).errors).toBeUndefined();
  });

  it('npm run admin -- reset-mfa <email>: TOTP and recovery codes go, every session ends within 1 s, the user is mailed; the password alone signs in again', async () => {
    const { email, user } = await withMfa();
    await ctx.smtp.waitFor(email);
    const outcome = await admin(ctx.app, ['reset-mfa', email, '--json']);
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    expect(JSON.parse(outcome.stdout)).toEqual({ id: user.user.id, totpRemoved: true, passkeysRemoved: 0, sessionsEnded: 1 });
    expect(await withinOneSecond(() => loginState(ctx.app, user.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
    expect(await ctx.app.sql('select 1 from totp_factors where user_id = $1 union all select 1 from recovery_codes where user_id = $1', [user.user.id])).toEqual([]);
    const mails = await ctx.smtp.waitFor(email, 2);
    expect(mails.map((mail) => mail.subject)).toContain('Your second factors were removed');
    const signedIn = await signIn(ctx.app, email, PASSWORD);
    expect(signedIn.errors).toBeUndefined();
    const me = await ctx.app.gql<{ me: { mfaEnabled: boolean } }>(MFA_ME, undefined, bearer(signedIn.data!.signIn.accessToken));
    expect(me.data!.me.mfaEnabled).toBe(false);
  });
});
