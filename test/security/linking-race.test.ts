import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import { loginState, PASSWORD, refresh, signIn, signUp, uniqueEmail } from '../helpers/accounts.js';
import { errorCode } from '../helpers/graphql-client.js';
import { envFor, oauthLogin, REDIRECT_URI, useFakeProviders } from '../helpers/oauth.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Review item 3: a verified social login that takes over an unverified password account
 * (pre-account-hijacking defence) races password sign-ins that read the hash before it committed.
 * None of them may keep a session, and none may write a hash back.
 */

const { google } = await useFakeProviders();

describe.each(['redis', 'postgres'] as const)('linking races the pre-account-hijacking defence (%s sessions)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    // BCRYPT_COST above the stored hashes' cost: every sign-in also takes the re-hash branch.
    app = await createTestApp({ ...envFor({ google }), BCRYPT_COST: '5' }, { store });
  });
  afterAll(() => app?.close());

  it('20 parallel signIn while the first verified Google login links the account → no token they got works, no refresh works, no password hash', async () => {
    const email = uniqueEmail();
    const squatter = await signUp(app, email);
    await app.sql('update users set password_hash = $1 where id = $2', [await bcrypt.hash(PASSWORD, 4), squatter.user.id]);
    const profile = { sub: `10${BigInt(`0x${randomBytes(6).toString('hex')}`)}`, email, email_verified: true };
    const code = google.issueCode({ profile, redirectUri: REDIRECT_URI });

    const signIns = Array.from({ length: 20 }, (_, i) => new Promise((resolve) => setTimeout(resolve, i)).then(() => signIn(app, email, PASSWORD)));
    const [login, ...answers] = await Promise.all([oauthLogin(app, { provider: 'GOOGLE', code, redirectUri: REDIRECT_URI }), ...signIns]);

    expect(login.errors).toBeUndefined();
    expect(login.data!.oauthLogin.user.id).toBe(squatter.user.id);
    const got = answers.flatMap((answer) => (answer.data?.signIn ? [answer.data.signIn] : []));
    const refused = answers.filter((answer) => !answer.data?.signIn).map(errorCode);
    expect(refused).toEqual(refused.map(() => 'INVALID_CREDENTIALS'));
    for (const pair of [squatter, ...got]) {
      expect(await loginState(app, pair.accessToken)).toBe('SESSION_REVOKED');
      expect(errorCode(await refresh(app, pair.refreshToken))).toMatch(/^(INVALID_REFRESH_TOKEN|REFRESH_TOKEN_REUSED)$/);
    }
    const [row] = await app.sql<{ password_hash: string | null }>('select password_hash from users where id = $1', [squatter.user.id]);
    expect(row!.password_hash).toBeNull();
    expect(await loginState(app, login.data!.oauthLogin.accessToken)).toBe('AUTHENTICATED');
  });
});
