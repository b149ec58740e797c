import { randomBytes } from 'node:crypto';
import { type AuthPayload, loginState, PASSWORD, signedIn, signIn, signUp, storedSessionIds, uniqueEmail } from '../../helpers/accounts.js';
import { errorCode } from '../../helpers/graphql-client.js';
import { envFor, oauthLogin, type ProviderName, REDIRECT_URI, useFakeProviders } from '../../helpers/oauth.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const id = () => randomBytes(6).toString('hex');

const { google, kakao, naver } = await useFakeProviders();

describe.each(['redis', 'postgres'] as const)('parallel oauthLogin (%s session store)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(envFor({ google, kakao, naver }), { store });
  });
  afterAll(() => app?.close());

  /** Logs in with each code at once (no state, as a client may); every login must succeed. */
  async function allAtOnce(provider: ProviderName, codes: string[]): Promise<AuthPayload[]> {
    const responses = await Promise.all(codes.map((code) => oauthLogin(app, { provider, code, redirectUri: REDIRECT_URI })));
    for (const response of responses) expect(response.errors).toBeUndefined();
    return responses.map((response) => response.data!.oauthLogin);
  }

  const count = async (text: string, params: unknown[]) => Number((await app.sql<{ count: string }>(text, params))[0]!.count);

  const accounts: Array<[ProviderName, () => { providerUserId: string; codes: () => string }]> = [
    ['GOOGLE', () => {
      const profile = { sub: `10${BigInt(`0x${id()}`)}`, email: uniqueEmail(), email_verified: true };
      return { providerUserId: profile.sub, codes: () => google.issueCode({ profile, redirectUri: REDIRECT_URI }) };
    }],
    ['KAKAO', () => {
      const profile = { id: Number.parseInt(id(), 16), nickname: 'k' };
      return { providerUserId: String(profile.id), codes: () => kakao.issueCode({ profile, redirectUri: REDIRECT_URI }) };
    }],
    ['NAVER', () => {
      const profile = { id: `nv-${id()}`, email: uniqueEmail() };
      return { providerUserId: profile.id, codes: () => naver.issueCode({ profile, redirectUri: REDIRECT_URI }) };
    }],
  ];

  it.each(accounts)('ten first logins of one %s account at once all succeed as one new user', async (provider, account) => {
    const { providerUserId, codes } = account();
    const payloads = await allAtOnce(provider, Array.from({ length: 10 }, codes));
    const userId = payloads[0]!.user.id;
    expect(payloads.map((payload) => payload.user.id)).toEqual(Array(10).fill(userId));
    expect(payloads.filter((payload) => payload.isNewUser)).toHaveLength(1);
    expect(await count('select count(*) from oauth_identities where provider = $1 and provider_user_id = $2', [provider, providerUserId])).toBe(1);
    expect(await count('select count(*) from oauth_identities where user_id = $1', [userId])).toBe(1);
    expect(await count('select count(*) from users where id = $1', [userId])).toBe(1);
    expect(await storedSessionIds(app, userId)).toHaveLength(10);
    for (const payload of payloads) expect(await loginState(app, payload.accessToken)).toBe('AUTHENTICATED');
  });

  it('makes exactly one user in the whole database from ten parallel first logins', async () => {
    await app.sql('truncate users cascade');
    const profile = { sub: `10${BigInt(`0x${id()}`)}`, email: uniqueEmail(), email_verified: true };
    const payloads = await allAtOnce('GOOGLE', Array.from({ length: 10 }, () => google.issueCode({ profile, redirectUri: REDIRECT_URI })));
    expect(new Set(payloads.map((payload) => payload.user.id)).size).toBe(1);
    expect(await count('select count(*) from users', [])).toBe(1);
    expect(await count('select count(*) from oauth_identities where provider_user_id = $1', [profile.sub])).toBe(1);
  });

  it('ten parallel verified logins onto an unverified password account link once: one identity, password gone, old sessions revoked, the ten new ones alive', async () => {
    const email = uniqueEmail();
    const owner = await signUp(app, email);
    const other = await signedIn(app, email);
    const profile = { sub: `10${BigInt(`0x${id()}`)}`, email, email_verified: true };
    const payloads = await allAtOnce('GOOGLE', Array.from({ length: 10 }, () => google.issueCode({ profile, redirectUri: REDIRECT_URI })));
    for (const payload of payloads) expect(payload).toMatchObject({ isNewUser: false, user: { id: owner.user.id, hasPassword: false, emailVerified: true, providers: ['GOOGLE'] } });
    expect(await count('select count(*) from oauth_identities where user_id = $1', [owner.user.id])).toBe(1);
    expect(await loginState(app, owner.accessToken)).toBe('SESSION_REVOKED');
    expect(await loginState(app, other.accessToken)).toBe('SESSION_REVOKED');
    expect(errorCode(await signIn(app, email, PASSWORD))).toBe('INVALID_CREDENTIALS');
    expect(await storedSessionIds(app, owner.user.id)).toHaveLength(10);
    for (const payload of payloads) expect(await loginState(app, payload.accessToken)).toBe('AUTHENTICATED');
  });

  it('ten verified logins linking ten different password accounts at once all succeed, each revoking only its own account\'s sessions', async () => {
    const owners = await Promise.all(Array.from({ length: 10 }, () => signUp(app)));
    const bystander = await signUp(app);
    const responses = await Promise.all(owners.map((owner) => {
      const profile = { sub: `10${BigInt(`0x${id()}`)}`, email: owner.user.email!, email_verified: true };
      return oauthLogin(app, { provider: 'GOOGLE', code: google.issueCode({ profile, redirectUri: REDIRECT_URI }), redirectUri: REDIRECT_URI });
    }));
    expect(responses.map((response) => response.errors?.[0]?.extensions?.code ?? 'ok')).toEqual(Array(10).fill('ok'));
    for (const [i, owner] of owners.entries()) {
      expect(responses[i]!.data!.oauthLogin).toMatchObject({ isNewUser: false, user: { id: owner.user.id, hasPassword: false } });
      expect(await loginState(app, owner.accessToken)).toBe('SESSION_REVOKED');
    }
    expect(await loginState(app, bystander.accessToken)).toBe('AUTHENTICATED');
  });

  it('a Google and a Kakao first login with one verified email at the same moment make one user with both providers', async () => {
    const email = uniqueEmail();
    const [viaGoogle, viaKakao] = await Promise.all([
      oauthLogin(app, { provider: 'GOOGLE', code: google.issueCode({ profile: { sub: `10${BigInt(`0x${id()}`)}`, email, email_verified: true }, redirectUri: REDIRECT_URI }), redirectUri: REDIRECT_URI }),
      oauthLogin(app, { provider: 'KAKAO', code: kakao.issueCode({ profile: { id: Number.parseInt(id(), 16), email }, redirectUri: REDIRECT_URI }), redirectUri: REDIRECT_URI }),
    ]);
    expect(viaGoogle.errors).toBeUndefined();
    expect(viaKakao.errors).toBeUndefined();
    const userId = viaGoogle.data!.oauthLogin.user.id;
    expect(viaKakao.data!.oauthLogin.user.id).toBe(userId);
    expect([viaGoogle, viaKakao].filter((response) => response.data!.oauthLogin.isNewUser)).toHaveLength(1);
    expect((await app.sql<{ provider: string }>('select provider from oauth_identities where user_id = $1 order by provider', [userId])).map((row) => row.provider)).toEqual(['GOOGLE', 'KAKAO']);
    expect(await count('select count(*) from users where email = $1', [email])).toBe(1);
  });
});
