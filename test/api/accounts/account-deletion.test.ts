import { randomBytes } from 'node:crypto';
import { type FakeGoogle, type GoogleProfile, startFakeGoogle } from '../../fakes/oauth/index.js';
import { DELETE_ACCOUNT, NEW_PASSWORD, REQUEST_PASSWORD_RESET, RESET_PASSWORD } from '../../helpers/account-mutations.js';
import { type AuthPayload, loginState, PASSWORD, refresh, signedIn, signIn, signUp, storedSessionIds, uniqueEmail } from '../../helpers/accounts.js';
import { eventually, withinOneSecond } from '../../helpers/eventually.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { useMailApp } from '../../helpers/mail-app.js';
import { envFor, loggedIn } from '../../helpers/oauth.js';
import { tokenFrom } from '../../helpers/smtp-sink.js';
import type { StoreKind } from '../../helpers/test-app.js';

const google: FakeGoogle = await startFakeGoogle();
afterEach(() => google.reset());
afterAll(() => google.close());

/** A Google account nobody has used here yet, with a verified email. */
function googleAccount(): GoogleProfile {
  const id = randomBytes(6).toString('hex');
  return { sub: `10${BigInt(`0x${id}`)}`, email: `g.${id}@gmail.com`, email_verified: true, name: 'Google User' };
}

describe.each<StoreKind>(['redis', 'postgres'])('deleteAccount (sessions in %s)', (store) => {
  const ctx = useMailApp({ ...envFor({ google }), APP_URL: 'https://app.example.com' }, { store });

  const deleteAccount = (accessToken: string | null, password?: string | null) => ctx.app.gql(DELETE_ACCOUNT, { password }, accessToken === null ? {} : bearer(accessToken));
  const countOf = async (table: 'users' | 'oauth_identities' | 'one_time_tokens', userId: string) =>
    Number((await ctx.app.sql<{ n: string }>(`select count(*) as n from ${table} where ${table === 'users' ? 'id' : 'user_id'} = $1`, [userId]))[0]!.n);

  /** Every session of the pairs reads SESSION_REVOKED within 1 s, and its refresh token is refused. */
  async function expectEnded(pairs: AuthPayload[]): Promise<void> {
    for (const pair of pairs) {
      expect(await withinOneSecond(() => loginState(ctx.app, pair.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
      expect(errorCode(await refresh(ctx.app, pair.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    }
  }

  it('needs a bearer token: without one UNAUTHENTICATED naming the login state, and nothing is deleted', async () => {
    const user = await signUp(ctx.app);
    const response = await deleteAccount(null, PASSWORD);
    expect(errorCode(response)).toBe('UNAUTHENTICATED');
    expect(response.errors![0]!.extensions!.loginState).toBe('AUTHORIZATION_NOT_FOUND');
    expect(await countOf('users', user.user.id)).toBe(1);
    expect(await loginState(ctx.app, user.accessToken)).toBe('AUTHENTICATED');
  });

  it('a wrong or missing password → INVALID_CREDENTIALS: nothing is deleted, no session ends, no mail', async () => {
    const email = uniqueEmail();
    const user = await signUp(ctx.app, email);
    const other = await signedIn(ctx.app, email);
    for (const password of ['not the password', null, undefined]) {
      expect(errorCode(await deleteAccount(user.accessToken, password))).toBe('INVALID_CREDENTIALS');
    }
    expect(await countOf('users', user.user.id)).toBe(1);
    for (const pair of [user, other]) expect(await loginState(ctx.app, pair.accessToken)).toBe('AUTHENTICATED');
    expect((await signIn(ctx.app, email, PASSWORD)).data?.signIn.user.id).toBe(user.user.id);
    expect(await ctx.app.sql('select 1 from mail_outbox where to_address = $1', [email])).toEqual([]);
  });

  it('with the right password: true, every session ends within 1 s, the user, its tokens and sessions are gone, and a notice is mailed', async () => {
    const email = uniqueEmail();
    const user = await signUp(ctx.app, email);
    const others = [await signedIn(ctx.app, email), await signedIn(ctx.app, email)];
    // A reset link leaves a one-time token behind.
    expect((await ctx.app.gql(REQUEST_PASSWORD_RESET, { email })).data).toEqual({ requestPasswordReset: true });
    const resetToken = tokenFrom((await ctx.smtp.waitFor(email, 1))[0]!, 'reset-password');
    expect(await countOf('one_time_tokens', user.user.id)).toBe(1);

    expect((await deleteAccount(user.accessToken, PASSWORD)).data).toEqual({ deleteAccount: true });
    await expectEnded([user, ...others]);
    expect(await countOf('users', user.user.id)).toBe(0);
    expect(await countOf('one_time_tokens', user.user.id)).toBe(0);
    expect(await storedSessionIds(ctx.app, user.user.id)).toEqual([]);
    const me = await ctx.app.gql('{ me { id } }', undefined, bearer(user.accessToken));
    expect(errorCode(me)).toBe('UNAUTHENTICATED');
    expect(errorCode(await signIn(ctx.app, email, PASSWORD))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await ctx.app.gql(RESET_PASSWORD, { token: resetToken, password: NEW_PASSWORD }))).toBe('INVALID_EMAIL_TOKEN');

    const mails = await ctx.smtp.waitFor(email, 2);
    expect(mails[1]!.subject).toBe('Your account was deleted');
    expect(mails[1]!.text).not.toContain('token=');
  });

  it('keeps the audit trail by user id, without the email or nickname', async () => {
    const email = uniqueEmail();
    const user = await signUp(ctx.app, email);
    expect((await deleteAccount(user.accessToken, PASSWORD)).data).toEqual({ deleteAccount: true });
    const rows = await eventually(
      () => ctx.app.sql<{ type: string }>('select * from audit_events where user_id = $1 order by id', [user.user.id]),
      (found) => ['sign_up', 'account_deleted'].every((type) => found.some((row) => row.type === type)),
    );
    expect(rows.map((row) => row.type)).toEqual(expect.arrayContaining(['sign_up', 'account_deleted']));
    expect(JSON.stringify(rows)).not.toContain(email);
    expect(await countOf('users', user.user.id)).toBe(0);
  });

  it('frees the email at once: signing up with it again makes a new user, with none of the old sessions', async () => {
    const email = uniqueEmail();
    const old = await signUp(ctx.app, email);
    expect((await deleteAccount(old.accessToken, PASSWORD)).data).toEqual({ deleteAccount: true });
    const again = await signUp(ctx.app, email, 'another passphrase');
    expect(again.user.id).not.toBe(old.user.id);
    expect(again.user).toMatchObject({ email, emailVerified: false, hasPassword: true });
    expect(await loginState(ctx.app, again.accessToken)).toBe('AUTHENTICATED');
    expect(await loginState(ctx.app, old.accessToken)).toBe('SESSION_REVOKED');
    expect(errorCode(await signIn(ctx.app, email, PASSWORD))).toBe('INVALID_CREDENTIALS');
    expect((await signIn(ctx.app, email, 'another passphrase')).data?.signIn.user.id).toBe(again.user.id);
  });

  it('a Google account without a password deletes itself without one: its identity goes, and the same Google account signs up anew', async () => {
    const profile = googleAccount();
    const first = await loggedIn(ctx.app, 'GOOGLE', google, profile);
    expect(first.user).toMatchObject({ hasPassword: false, providers: ['GOOGLE'], email: profile.email });
    const second = await loggedIn(ctx.app, 'GOOGLE', google, profile);
    expect(await countOf('oauth_identities', first.user.id)).toBe(1);

    expect((await deleteAccount(first.accessToken)).data).toEqual({ deleteAccount: true });
    await expectEnded([first, second]);
    expect(await countOf('users', first.user.id)).toBe(0);
    expect(await countOf('oauth_identities', first.user.id)).toBe(0);
    expect((await ctx.smtp.waitFor(profile.email!, 1))[0]!.subject).toBe('Your account was deleted');

    const anew = await loggedIn(ctx.app, 'GOOGLE', google, profile);
    expect(anew.isNewUser).toBe(true);
    expect(anew.user.id).not.toBe(first.user.id);
  });
});
