import { type NaverProfile, startFakeNaver } from '../../fakes/oauth/index.js';
import { loginState } from '../../helpers/accounts.js';
import { approvedLogin, authorized, envFor, loggedIn, oauthLogin, providerErrorOf, REDIRECT_URI, useProviderApps } from '../../helpers/oauth.js';
import { createTestApp } from '../../helpers/test-app.js';

const APP_URI = 'myapp://oauth/naver';
const { fake: naver, apps } = await useProviderApps('naver', startFakeNaver, [APP_URI]);

let accounts = 0;
/** A Naver account nobody has used here yet; Naver's per-app ids are opaque strings. */
function account(extra: Partial<NaverProfile> = {}): NaverProfile {
  accounts += 1;
  return { id: `Nv${accounts}_32fK0aLq-9xZ`, email: `naver${accounts}@naver.com`, nickname: `네이버${accounts}`, name: `Naver ${accounts}`, ...extra };
}

describe.each(['redis', 'postgres'] as const)('Naver sign-in (%s sessions)', (store) => {
  it("builds the authorize URL: Naver's endpoint, response_type, client_id, redirect_uri and state, without PKCE", async () => {
    const { url, state } = await authorized(apps[store], 'NAVER', APP_URI);
    const parsed = new URL(url);
    expect(`${parsed.origin}${parsed.pathname}`).toBe(naver.authorizeUrl);
    expect(Object.fromEntries(parsed.searchParams)).toEqual({ response_type: 'code', client_id: naver.clientId, redirect_uri: APP_URI, state });
  });

  it('signs a new Naver user in: working tokens, email null (never verified), nickname from nickname, providers [NAVER]', async () => {
    const app = apps[store];
    const profile = account();
    const { response, approval } = await approvedLogin(app, 'NAVER', naver, profile);
    expect(response.errors).toBeUndefined();
    const payload = response.data!.oauthLogin;
    expect(payload).toMatchObject({ isNewUser: true, user: { email: null, emailVerified: false, nickname: profile.nickname, providers: ['NAVER'], hasPassword: false } });
    expect(await loginState(app, payload.accessToken)).toBe('AUTHENTICATED');

    const tokenCalls = naver.callsTo('token');
    expect(tokenCalls).toHaveLength(1);
    expect(tokenCalls[0]).toMatchObject({ method: 'POST', query: {}, repeatedParams: [] });
    expect(tokenCalls[0]!.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(tokenCalls[0]!.form).toEqual({
      grant_type: 'authorization_code',
      client_id: naver.clientId,
      client_secret: naver.clientSecret,
      code: approval.code,
      state: approval.state,
    });
    const [me] = naver.callsTo('userinfo');
    expect(me!.method).toBe('GET');
    const accessToken = /^Bearer (\S+)$/.exec(me!.headers.authorization ?? '')?.[1];
    expect(accessToken).toMatch(/^AAAAO/);
    for (const secret of [naver.clientSecret, approval.code, accessToken!]) expect(response.text).not.toContain(secret);
  });

  it('signs the same Naver account in again as the same user, with isNewUser false', async () => {
    const profile = account();
    const first = await loggedIn(apps[store], 'NAVER', naver, profile);
    const again = await loggedIn(apps[store], 'NAVER', naver, profile);
    expect(again).toMatchObject({ isNewUser: false, user: { id: first.user.id, providers: ['NAVER'] } });
  });
});

describe('Naver profiles and the token request', () => {
  it('takes the name when there is no nickname', async () => {
    expect((await loggedIn(apps.redis, 'NAVER', naver, account({ nickname: undefined, name: '홍길동' }))).user.nickname).toBe('홍길동');
  });

  it('sends Naver a fresh random state when the client sent none', async () => {
    for (let i = 0; i < 2; i += 1) {
      const code = naver.issueCode({ profile: account(), redirectUri: REDIRECT_URI });
      expect((await oauthLogin(apps.redis, { provider: 'NAVER', code, redirectUri: REDIRECT_URI })).data?.oauthLogin.isNewUser).toBe(true);
    }
    const [first, second] = naver.callsTo('token').map((call) => call.form.state);
    expect(first).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(second).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(first).not.toBe(second);
  });
});

describe('Naver errors', () => {
  const login = (profile: NaverProfile) => approvedLogin(apps.redis, 'NAVER', naver, profile).then((result) => result.response);

  it("answers a reused code (Naver's HTTP-200 error body) with OAUTH_PROVIDER_ERROR invalid_request, never echoing the code", async () => {
    const { response, approval } = await approvedLogin(apps.redis, 'NAVER', naver, account());
    expect(response.data?.oauthLogin.isNewUser).toBe(true);
    const reused = await oauthLogin(apps.redis, { provider: 'NAVER', code: approval.code, redirectUri: REDIRECT_URI });
    expect(providerErrorOf(reused)).toBe('invalid_request');
    expect(naver.callsTo('token')[1]!.form.code).toBe(approval.code);
    expect(reused.text).not.toContain(approval.code);
  });

  it.each([
    ['an HTTP-200 token error body', 'invalid_client', () => naver.respondWith('token', 200, { error: 'invalid_client', error_description: 'fake: client is disabled' })],
    ['user/me resultcode 024 (bad token, HTTP 401)', '024', () => naver.respondWith('userinfo', 401, { resultcode: '024', message: 'Authentication failed / 인증에 실패했습니다.' })],
    ['user/me resultcode 028 in an HTTP-200 body', '028', () => naver.respondWith('userinfo', 200, { resultcode: '028', message: 'Authentication header not exists' })],
    ['a token endpoint answering HTML', 'invalid_response', () => naver.respondWith('token', 200, '<html>점검 중</html>', { 'content-type': 'text/html' })],
  ])('answers %s with OAUTH_PROVIDER_ERROR %s, and makes no user', async (_what, code, arrange) => {
    arrange();
    const profile = account();
    const response = await login(profile);
    expect(providerErrorOf(response)).toBe(code);
    expect(response.text).not.toContain(naver.clientSecret);
    expect(await apps.redis.sql("select 1 from oauth_identities where provider = 'NAVER' and provider_user_id = $1", [profile.id])).toEqual([]);
  });

  it('gives up on a token endpoint that never answers after 5 s: OAUTH_PROVIDER_ERROR timeout', async () => {
    naver.hang('token');
    const started = Date.now();
    expect(providerErrorOf(await login(account()))).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(naver.callsTo('userinfo')).toHaveLength(0);
  }, 15_000);

  it('follows no redirect from user/me (unexpected_redirect) and refuses a 1 MB token answer (response_too_large)', async () => {
    naver.redirectTo('userinfo', naver.trapUrl, 301);
    expect(providerErrorOf(await login(account()))).toBe('unexpected_redirect');
    expect(naver.callsTo('trap')).toHaveLength(0);
    naver.oversized('token', 1024 * 1024, { declareLength: true });
    expect(providerErrorOf(await login(account()))).toBe('response_too_large');
  });

  it("answers a wrong OAUTH_NAVER_CLIENT_SECRET with Naver's HTTP-200 error invalid_request, showing neither secret", async () => {
    const app = await createTestApp({ ...envFor({ naver }), OAUTH_NAVER_CLIENT_SECRET: 'wrongNaverSecret' });
    try {
      const { response } = await approvedLogin(app, 'NAVER', naver, account());
      expect(providerErrorOf(response)).toBe('invalid_request');
      expect(naver.callsTo('token')[0]!.form.client_secret).toBe('wrongNaverSecret');
      expect(response.text).not.toContain('wrongNaverSecret');
      expect(response.text).not.toContain(naver.clientSecret);
    } finally {
      await app.close();
    }
  });
});
