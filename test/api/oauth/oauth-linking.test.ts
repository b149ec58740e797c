import { randomBytes } from 'node:crypto';
import type { FakeGoogle, GoogleProfile, KakaoProfile, NaverProfile } from '../../fakes/oauth/index.js';
import { loginState, PASSWORD, refresh, refreshed, sessionIdOf, signedIn, signIn, signUp, storedSessionIds, uniqueEmail } from '../../helpers/accounts.js';
import { errorCode } from '../../helpers/graphql-client.js';
import { approvedLogin, envFor, loggedIn, useFakeProviders } from '../../helpers/oauth.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const id = () => randomBytes(6).toString('hex');
const google = (email: string, verified = true): GoogleProfile => ({ sub: `10${BigInt(`0x${id()}`)}`, email, email_verified: verified, name: 'Google User' });
const kakao = (email: string, flags: Partial<KakaoProfile> = {}): KakaoProfile => ({ id: Number.parseInt(id(), 16), email, nickname: 'Kakao User', ...flags });
const naver = (email: string): NaverProfile => ({ id: `nv-${id()}`, email, nickname: 'Naver User' });

const fakes = await useFakeProviders();

describe.each(['redis', 'postgres'] as const)('oauthLogin identity mapping and linking (%s session store)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(envFor(fakes), { store });
  });
  afterAll(() => app?.close());

  const stored = async (userId: string) => {
    const [user] = await app.sql<{ email: string | null; email_verified: boolean; password_hash: string | null }>('select email, email_verified, password_hash from users where id = $1', [userId]);
    const identities = await app.sql<{ provider: string }>('select provider from oauth_identities where user_id = $1 order by provider', [userId]);
    return { ...user, providers: identities.map((row) => row.provider) };
  };

  it('creates a user on the first login of a provider account (isNewUser true) and finds the same user on later logins', async () => {
    const profile = google(uniqueEmail());
    const first = await loggedIn(app, 'GOOGLE', fakes.google, profile);
    expect(first).toMatchObject({ isNewUser: true, user: { email: profile.email, emailVerified: true, providers: ['GOOGLE'], hasPassword: false } });
    const second = await loggedIn(app, 'GOOGLE', fakes.google, profile);
    expect(second).toMatchObject({ isNewUser: false, user: { id: first.user.id, providers: ['GOOGLE'] } });
    expect(await loginState(app, first.accessToken)).toBe('AUTHENTICATED');
    expect(await app.sql('select user_id from oauth_identities where provider_user_id = $1', [profile.sub])).toEqual([{ user_id: first.user.id }]);
    expect(await stored(first.user.id)).toEqual({ email: profile.email, email_verified: true, password_hash: null, providers: ['GOOGLE'] });
  });

  it('links a verified email to an unverified password account: removes its password, revokes all its sessions, marks the email verified', async () => {
    const email = uniqueEmail();
    const laptop = await signUp(app, email);
    const phone = await signedIn(app, email);
    expect(laptop.user.emailVerified).toBe(false);
    const linked = await loggedIn(app, 'GOOGLE', fakes.google, google(`  ${email.toUpperCase()}`));
    expect(linked).toMatchObject({ isNewUser: false, user: { id: laptop.user.id, email, emailVerified: true, providers: ['GOOGLE'], hasPassword: false } });
    for (const old of [laptop, phone]) {
      expect(await loginState(app, old.accessToken)).toBe('SESSION_REVOKED');
      expect(errorCode(await refresh(app, old.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    }
    expect(errorCode(await signIn(app, email, PASSWORD))).toBe('INVALID_CREDENTIALS');
    expect(await loginState(app, linked.accessToken)).toBe('AUTHENTICATED');
    expect(await storedSessionIds(app, laptop.user.id)).toEqual([sessionIdOf(linked.refreshToken)]);
    expect(await stored(laptop.user.id)).toEqual({ email, email_verified: true, password_hash: null, providers: ['GOOGLE'] });
  });

  it('finds the linked account on the next login without revoking anything again', async () => {
    const email = uniqueEmail();
    await signUp(app, email);
    const profile = google(email);
    const linked = await loggedIn(app, 'GOOGLE', fakes.google, profile);
    const again = await loggedIn(app, 'GOOGLE', fakes.google, profile);
    expect(again).toMatchObject({ isNewUser: false, user: { id: linked.user.id, providers: ['GOOGLE'] } });
    expect(await loginState(app, linked.accessToken)).toBe('AUTHENTICATED');
    expect(await refreshed(app, linked.refreshToken)).toMatchObject({ user: { id: linked.user.id } });
    expect((await storedSessionIds(app, linked.user.id)).sort()).toEqual([sessionIdOf(linked.refreshToken), sessionIdOf(again.refreshToken)].sort());
  });

  it('links a verified email to an account whose email is already verified, keeping its sessions and adding the provider', async () => {
    const email = uniqueEmail();
    const viaGoogle = await loggedIn(app, 'GOOGLE', fakes.google, google(email));
    const viaKakao = await loggedIn(app, 'KAKAO', fakes.kakao, kakao(email.toUpperCase()));
    expect(viaKakao).toMatchObject({ isNewUser: false, user: { id: viaGoogle.user.id, email, emailVerified: true, hasPassword: false } });
    expect([...viaKakao.user.providers].sort()).toEqual(['GOOGLE', 'KAKAO']);
    expect(await loginState(app, viaGoogle.accessToken)).toBe('AUTHENTICATED');
    expect(await refreshed(app, viaGoogle.refreshToken)).toMatchObject({ user: { id: viaGoogle.user.id } });
    expect(await stored(viaGoogle.user.id)).toEqual({ email, email_verified: true, password_hash: null, providers: ['GOOGLE', 'KAKAO'] });
  });

  it.each([
    ['Naver (never verified)', 'NAVER', (email: string) => naver(email)],
    ['Kakao with is_email_verified false', 'KAKAO', (email: string) => kakao(email, { isEmailVerified: false })],
    ['Kakao with is_email_valid false', 'KAKAO', (email: string) => kakao(email, { isEmailValid: false })],
    ['Google with email_verified false', 'GOOGLE', (email: string) => google(email, false)],
  ] as const)('never links an unverified email from %s: a new user with no email, the password account untouched', async (_name, provider, profileFor) => {
    const email = uniqueEmail();
    const victim = await signUp(app, email);
    const fake = { NAVER: fakes.naver, KAKAO: fakes.kakao, GOOGLE: fakes.google }[provider] as { approve(url: string, profile: unknown): ReturnType<FakeGoogle['approve']> };
    const { response } = await approvedLogin(app, provider, fake, profileFor(email));
    expect(response.errors).toBeUndefined();
    const social = response.data!.oauthLogin;
    expect(social).toMatchObject({ isNewUser: true, user: { email: null, emailVerified: false, providers: [provider], hasPassword: false } });
    expect(social.user.id).not.toBe(victim.user.id);
    expect(await loginState(app, victim.accessToken)).toBe('AUTHENTICATED');
    expect((await signIn(app, email, PASSWORD)).data?.signIn.user.id).toBe(victim.user.id);
    expect(await stored(victim.user.id)).toMatchObject({ email, email_verified: false, password_hash: expect.stringMatching(/^\$2/), providers: [] });
    expect(await stored(social.user.id)).toEqual({ email: null, email_verified: false, password_hash: null, providers: [provider] });
  });

  it('leaves an unverified provider email free: signUp with it still works, and the provider account keeps its own user', async () => {
    const email = uniqueEmail();
    const profile = naver(email);
    const social = await loggedIn(app, 'NAVER', fakes.naver, profile);
    const owner = await signUp(app, email);
    expect(owner.user).toMatchObject({ email, hasPassword: true, providers: [] });
    expect(owner.user.id).not.toBe(social.user.id);
    const again = await loggedIn(app, 'NAVER', fakes.naver, profile);
    expect(again).toMatchObject({ isNewUser: false, user: { id: social.user.id, email: null } });
    expect(await loginState(app, owner.accessToken)).toBe('AUTHENTICATED');
    expect(await stored(owner.user.id)).toMatchObject({ email, password_hash: expect.stringMatching(/^\$2/), providers: [] });
  });

  it('never answers a client secret, a provider token, a code verifier or a password hash', async () => {
    const email = uniqueEmail();
    await signUp(app, email);
    const hash = (await app.sql<{ password_hash: string }>('select password_hash from users where email = $1', [email]))[0]!.password_hash;
    const responses = [
      (await approvedLogin(app, 'GOOGLE', fakes.google, google(email))).response,
      (await approvedLogin(app, 'KAKAO', fakes.kakao, kakao(email))).response,
      (await approvedLogin(app, 'NAVER', fakes.naver, naver(email))).response,
    ];
    const secrets = [fakes.google.clientSecret, fakes.kakao.clientSecret!, fakes.naver.clientSecret, hash];
    for (const fake of Object.values(fakes)) {
      for (const call of fake.callsTo('userinfo')) secrets.push(call.headers.authorization!.replace(/^Bearer /i, ''));
      for (const call of fake.callsTo('token')) if (call.form.code_verifier) secrets.push(call.form.code_verifier);
    }
    expect(secrets.length).toBeGreaterThanOrEqual(9);
    for (const response of responses) {
      expect(response.errors).toBeUndefined();
      for (const secret of secrets) expect(response.text).not.toContain(secret);
      expect(response.text).not.toMatch(/\$2[aby]\$/);
    }
  });
});
