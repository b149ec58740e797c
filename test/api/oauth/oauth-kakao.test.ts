import { type KakaoProfile, s256, startFakeKakao } from '../../fakes/oauth/index.js';
import { loginState } from '../../helpers/accounts.js';
import { approvedLogin, authorized, envFor, loggedIn, oauthLogin, providerErrorOf, REDIRECT_URI, useProviderApps } from '../../helpers/oauth.js';
import { createTestApp } from '../../helpers/test-app.js';

const APP_URI = 'myapp://oauth/kakao';
const { fake: kakao, apps } = await useProviderApps('kakao', startFakeKakao, [APP_URI]);

let accounts = 0;
/** A Kakao member nobody has used here yet, with a valid, verified email. */
function member(extra: Partial<KakaoProfile> = {}): KakaoProfile {
  accounts += 1;
  return { id: 3_100_000_000 + accounts, nickname: `카카오${accounts}`, email: `kakao${accounts}@kakao.com`, ...extra };
}

describe.each(['redis', 'postgres'] as const)('Kakao sign-in (%s sessions)', (store) => {
  it("builds the authorize URL: Kakao's endpoint, response_type, client_id, redirect_uri, state and an S256 challenge", async () => {
    const { url, state } = await authorized(apps[store], 'KAKAO', REDIRECT_URI);
    const parsed = new URL(url);
    expect(`${parsed.origin}${parsed.pathname}`).toBe(kakao.authorizeUrl);
    expect(Object.fromEntries(parsed.searchParams)).toEqual({
      response_type: 'code',
      client_id: kakao.clientId,
      redirect_uri: REDIRECT_URI,
      state,
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
    });
  });

  it('signs a new Kakao member in: working tokens, verified email, nickname from kakao_account.profile, providers [KAKAO]', async () => {
    const app = apps[store];
    const profile = member();
    const { response, approval, url } = await approvedLogin(app, 'KAKAO', kakao, profile);
    expect(response.errors).toBeUndefined();
    const payload = response.data!.oauthLogin;
    expect(payload).toMatchObject({ isNewUser: true, user: { email: profile.email, emailVerified: true, nickname: profile.nickname, providers: ['KAKAO'], hasPassword: false } });
    expect(await loginState(app, payload.accessToken)).toBe('AUTHENTICATED');

    const tokenCalls = kakao.callsTo('token');
    expect(tokenCalls).toHaveLength(1);
    expect(tokenCalls[0]).toMatchObject({ method: 'POST', contentType: 'application/x-www-form-urlencoded;charset=utf-8', repeatedParams: [] });
    const form = tokenCalls[0]!.form;
    expect(form).toEqual({
      grant_type: 'authorization_code',
      client_id: kakao.clientId,
      redirect_uri: REDIRECT_URI,
      code: approval.code,
      client_secret: kakao.clientSecret,
      code_verifier: expect.stringMatching(/^[A-Za-z0-9\-._~]{43,128}$/),
    });
    expect(s256(form.code_verifier!)).toBe(new URL(url).searchParams.get('code_challenge'));
    const [userMe] = kakao.callsTo('userinfo');
    const accessToken = /^Bearer (\S+)$/.exec(userMe!.headers.authorization ?? '')?.[1];
    expect(accessToken).toBeDefined();
    for (const secret of [kakao.clientSecret!, approval.code, accessToken!, form.code_verifier!]) expect(response.text).not.toContain(secret);
  });

  it('signs the same Kakao member in again as the same user, with isNewUser false', async () => {
    const profile = member();
    const first = await loggedIn(apps[store], 'KAKAO', kakao, profile);
    const again = await loggedIn(apps[store], 'KAKAO', kakao, profile);
    expect(again).toMatchObject({ isNewUser: false, user: { id: first.user.id, providers: ['KAKAO'] } });
  });
});

describe('Kakao member ids and profiles', () => {
  const login = (profile: KakaoProfile) => loggedIn(apps.redis, 'KAKAO', kakao, profile);

  it('keeps member ids above 2^53 exact: two ids one apart are two users, and each comes back to its own', async () => {
    const big = 2n ** 53n + 1n; // as a double, 2^53 + 1 reads as 2^53
    const first = await login(member({ id: big }));
    const neighbour = await login(member({ id: big - 1n }));
    expect(neighbour.isNewUser).toBe(true);
    expect(neighbour.user.id).not.toBe(first.user.id);
    expect((await login(member({ id: big }))).user.id).toBe(first.user.id);
    const stored = await apps.redis.sql<{ provider_user_id: string }>(
      "select provider_user_id from oauth_identities where provider = 'KAKAO' and user_id in ($1, $2) order by provider_user_id",
      [first.user.id, neighbour.user.id],
    );
    expect(stored.map((row) => row.provider_user_id)).toEqual([String(big - 1n), String(big)]);
  });

  it.each([
    ['without an email', { email: undefined }],
    ['whose email awaits consent', { email: undefined, emailNeedsAgreement: true }],
    ['whose email Kakao has not verified', { isEmailVerified: false }],
    ['whose email Kakao marks invalid', { isEmailValid: false }],
  ])('signs a member %s in with email null', async (_what, extra) => {
    const payload = await login(member(extra));
    expect(payload).toMatchObject({ isNewUser: true, user: { email: null, emailVerified: false, providers: ['KAKAO'] } });
  });

  it('reads the nickname from the legacy properties when kakao_account.profile has none', async () => {
    expect((await login(member({ nickname: '옛닉네임', nicknameIn: 'properties' }))).user.nickname).toBe('옛닉네임');
  });
});

describe('Kakao errors', () => {
  const login = (profile: KakaoProfile) => approvedLogin(apps.redis, 'KAKAO', kakao, profile).then((result) => result.response);

  it('answers a reused code with OAUTH_PROVIDER_ERROR KOE320, never echoing the code Kakao echoes', async () => {
    const code = kakao.issueCode({ profile: member(), redirectUri: REDIRECT_URI });
    expect((await oauthLogin(apps.redis, { provider: 'KAKAO', code, redirectUri: REDIRECT_URI })).data?.oauthLogin.isNewUser).toBe(true);
    const reused = await oauthLogin(apps.redis, { provider: 'KAKAO', code, redirectUri: REDIRECT_URI });
    expect(providerErrorOf(reused)).toBe('KOE320');
    expect(reused.text).not.toContain(code);
  });

  it.each([
    ['a redirect URI other than the one the code was issued for', 'KOE303', () => {
      const code = kakao.issueCode({ profile: member(), redirectUri: APP_URI });
      return oauthLogin(apps.redis, { provider: 'KAKAO', code, redirectUri: REDIRECT_URI });
    }],
    // Kakao documents no PKCE error of its own: the fake answers as it answers a bad code.
    ['a verifier that does not match the challenge', 'KOE320', () => {
      const code = kakao.issueCode({ profile: member(), redirectUri: REDIRECT_URI, codeChallenge: s256('a'.repeat(43)) });
      return oauthLogin(apps.redis, { provider: 'KAKAO', code, redirectUri: REDIRECT_URI, codeVerifier: 'b'.repeat(43) });
    }],
    ['user/me refusing the access token', '-401', () => {
      kakao.respondWith('userinfo', 401, { msg: 'this access token does not exist', code: -401 });
      return login(member());
    }],
    ['a token endpoint answering plain text', 'invalid_response', () => {
      kakao.respondWith('token', 500, 'Internal Server Error', { 'content-type': 'text/plain' });
      return login(member());
    }],
  ])('answers %s with OAUTH_PROVIDER_ERROR %s', async (_what, code, attempt) => {
    const response = await attempt();
    expect(providerErrorOf(response)).toBe(code);
    expect(response.text).not.toContain(kakao.clientSecret!);
  });

  it('gives up on a user/me that never answers after 5 s: OAUTH_PROVIDER_ERROR timeout, no user made', async () => {
    kakao.hang('userinfo');
    const profile = member();
    const started = Date.now();
    const response = await login(profile);
    expect(providerErrorOf(response)).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(await apps.redis.sql("select 1 from oauth_identities where provider = 'KAKAO' and provider_user_id = $1", [String(profile.id)])).toEqual([]);
  }, 15_000);

  it('follows no redirect from the token endpoint (unexpected_redirect) and refuses a 1 MB user/me (response_too_large)', async () => {
    kakao.redirectTo('token', kakao.trapUrl, 302);
    expect(providerErrorOf(await login(member()))).toBe('unexpected_redirect');
    expect(kakao.callsTo('trap')).toHaveLength(0);
    kakao.oversized('userinfo', 1024 * 1024);
    expect(providerErrorOf(await login(member()))).toBe('response_too_large');
  });
});

describe('Kakao client secret settings', () => {
  it('signs in to an app without a client secret when OAUTH_KAKAO_CLIENT_SECRET is unset, sending no client_secret', async () => {
    const noSecret = await startFakeKakao({ clientSecretMode: 'disabled' });
    const app = await createTestApp(envFor({ kakao: noSecret }));
    try {
      expect((await loggedIn(app, 'KAKAO', noSecret, member())).isNewUser).toBe(true);
      expect(noSecret.callsTo('token')[0]!.form).not.toHaveProperty('client_secret');
    } finally {
      await app.close();
      await noSecret.close();
    }
  });

  it('answers a wrong OAUTH_KAKAO_CLIENT_SECRET with OAUTH_PROVIDER_ERROR KOE010, showing neither secret', async () => {
    const app = await createTestApp({ ...envFor({ kakao }), OAUTH_KAKAO_CLIENT_SECRET: 'stale-kakao-secret-0000' });
    try {
      const response = await login(member());
      expect(providerErrorOf(response)).toBe('KOE010');
      expect(response.text).not.toContain('stale-kakao-secret');
      expect(response.text).not.toContain(kakao.clientSecret!);
    } finally {
      await app.close();
    }
    function login(profile: KakaoProfile) {
      return approvedLogin(app, 'KAKAO', kakao, profile).then((result) => result.response);
    }
  });
});
