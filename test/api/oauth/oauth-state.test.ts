import { createHash, randomBytes } from 'node:crypto';
import { pkcePair, s256 } from '../../fakes/oauth/index.js';
import { errorCode } from '../../helpers/graphql-client.js';
import { authorizationUrl, authorized, envFor, oauthLogin, REDIRECT_URI, useFakeProviders } from '../../helpers/oauth.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const APP_URI = 'myapp://oauth';
const TEN_MINUTES = 10 * 60_000;
const googleProfile = () => ({ sub: `1${randomBytes(9).readBigUInt64BE(0)}`, email: `g${randomBytes(4).toString('hex')}@example.com`, email_verified: true });

const { google, kakao, naver } = await useFakeProviders();

describe.each(['redis', 'postgres'] as const)('OAuth state, redirect URIs and PKCE (%s store)', (store) => {
  let app: TestApp;
  let redis: ReturnType<TestApp['redis']> | undefined;
  beforeAll(async () => {
    app = await createTestApp(envFor({ google, kakao, naver }, [APP_URI]), { store });
  });
  afterAll(() => app?.close());

  /** Every key and value under the app's Redis prefix, or every row of oauth_states, as text. */
  async function storedText(): Promise<string[]> {
    if (store === 'postgres') return (await app.sql('select * from oauth_states')).map((row) => JSON.stringify(row));
    const client = (redis ??= app.redis());
    const keys = await client.keys(`${app.redisPrefix}*`);
    return Promise.all(keys.map(async (key) => {
      const type = await client.type(key);
      const value =
        type === 'string' ? await client.get(key)
        : type === 'hash' ? await client.hgetall(key)
        : type === 'zset' ? await client.zrange(key, '0', '-1', 'WITHSCORES')
        : type === 'set' ? await client.smembers(key)
        : await client.lrange(key, 0, -1);
      return `${key} ${JSON.stringify(value)}`;
    }));
  }

  /** Whether the state store still holds `state` (found by its SHA-256 hash, hex or base64url). */
  async function isKept(state: string): Promise<boolean> {
    const text = (await storedText()).join('\n');
    return ['hex', 'base64url'].some((encoding) => text.includes(createHash('sha256').update(state).digest(encoding as 'hex')));
  }

  it('issues a fresh random state and an S256 challenge; the login with it sends the kept verifier and answers none of it', async () => {
    const first = await authorized(app, 'GOOGLE');
    const second = await authorized(app, 'GOOGLE');
    expect(first.state).not.toBe(second.state);
    expect(first.state.length).toBeGreaterThanOrEqual(22);
    const query = new URL(first.url).searchParams;
    expect(query.get('state')).toBe(first.state);
    expect(query.get('code_challenge_method')).toBe('S256');
    const approval = google.approve(first.url, googleProfile());
    const response = await oauthLogin(app, { provider: 'GOOGLE', code: approval.code, redirectUri: REDIRECT_URI, state: first.state });
    expect(response.errors).toBeUndefined();
    const [token] = google.callsTo('token');
    expect(s256(token!.form.code_verifier!)).toBe(query.get('code_challenge'));
    expect(response.text).not.toContain(token!.form.code_verifier);
    expect(response.text).not.toContain(google.clientSecret);
  });

  it('keeps the state only as a SHA-256 hash, never as it was issued', async () => {
    const { state } = await authorized(app, 'KAKAO');
    expect(await isKept(state)).toBe(true);
    expect((await storedText()).join('\n')).not.toContain(state);
  });

  it('accepts a state once: a second login with it answers INVALID_OAUTH_STATE without calling the provider', async () => {
    const { url, state } = await authorized(app, 'GOOGLE');
    const profile = googleProfile();
    const approval = google.approve(url, profile);
    expect((await oauthLogin(app, { provider: 'GOOGLE', code: approval.code, redirectUri: REDIRECT_URI, state })).errors).toBeUndefined();
    const again = google.approve(url, profile);
    const response = await oauthLogin(app, { provider: 'GOOGLE', code: again.code, redirectUri: REDIRECT_URI, state });
    expect(errorCode(response)).toBe('INVALID_OAUTH_STATE');
    expect(google.callsTo('token')).toHaveLength(1);
    expect(await isKept(state)).toBe(false);
  });

  it('refuses a state it never issued (forged, empty, huge), and one older than ten minutes, with INVALID_OAUTH_STATE', async () => {
    const fresh = await authorized(app, 'GOOGLE');
    const stale = await authorized(app, 'GOOGLE');
    app.clock.advance(TEN_MINUTES - 1_000);
    const nearlyStale = google.approve(fresh.url, googleProfile());
    expect((await oauthLogin(app, { provider: 'GOOGLE', code: nearlyStale.code, redirectUri: REDIRECT_URI, state: fresh.state })).errors).toBeUndefined();
    app.clock.advance(1_001);
    const expired = google.approve(stale.url, googleProfile());
    expect(errorCode(await oauthLogin(app, { provider: 'GOOGLE', code: expired.code, redirectUri: REDIRECT_URI, state: stale.state }))).toBe('INVALID_OAUTH_STATE');
    for (const state of [randomBytes(32).toString('base64url'), '', 's'.repeat(100_000)]) {
      expect(errorCode(await oauthLogin(app, { provider: 'GOOGLE', code: expired.code, redirectUri: REDIRECT_URI, state }))).toBe('INVALID_OAUTH_STATE');
    }
    expect(google.callsTo('token')).toHaveLength(1);
  });

  it('refuses a state issued for another provider or another redirect URI with INVALID_OAUTH_STATE', async () => {
    const forKakao = await authorized(app, 'KAKAO');
    const code = google.issueCode({ profile: googleProfile(), redirectUri: REDIRECT_URI });
    expect(errorCode(await oauthLogin(app, { provider: 'GOOGLE', code, redirectUri: REDIRECT_URI, state: forKakao.state }))).toBe('INVALID_OAUTH_STATE');
    const pair = pkcePair();
    const forApp = await authorized(app, 'GOOGLE', APP_URI, pair.challenge);
    expect(errorCode(await oauthLogin(app, { provider: 'GOOGLE', code, redirectUri: REDIRECT_URI, state: forApp.state, codeVerifier: pair.verifier }))).toBe('INVALID_OAUTH_STATE');
    expect(google.calls).toHaveLength(0);
    expect(kakao.calls).toHaveLength(0);
  });

  it('spends the state even when the provider then refuses the code', async () => {
    const { url, state } = await authorized(app, 'KAKAO');
    const approval = kakao.approve(url, { id: Date.now(), nickname: 'k' });
    kakao.respondWith('token', 400, { error: 'invalid_grant', error_description: 'authorization code not found', error_code: 'KOE320' });
    expect(errorCode(await oauthLogin(app, { provider: 'KAKAO', code: approval.code, redirectUri: REDIRECT_URI, state }))).toBe('OAUTH_PROVIDER_ERROR');
    expect(errorCode(await oauthLogin(app, { provider: 'KAKAO', code: approval.code, redirectUri: REDIRECT_URI, state }))).toBe('INVALID_OAUTH_STATE');
    expect(kakao.callsTo('token')).toHaveLength(1);
    expect(await isKept(state)).toBe(false);
  });

  it('sends the redirect URI kept with the state when the login omits it (a custom scheme too, with the client\'s own PKCE)', async () => {
    const pair = pkcePair();
    const { url, state } = await authorized(app, 'KAKAO', APP_URI, pair.challenge);
    const approval = kakao.approve(url, { id: Date.now(), nickname: 'app user' });
    const response = await oauthLogin(app, { provider: 'KAKAO', code: approval.code, state, codeVerifier: pair.verifier });
    expect(response.errors).toBeUndefined();
    expect(kakao.callsTo('token')[0]!.form).toMatchObject({ redirect_uri: APP_URI, code_verifier: pair.verifier });
  });

  it.each([
    ['an unlisted host', 'https://evil.example/oauth/callback'],
    ['a longer path', `${REDIRECT_URI}/more`],
    ['an added query', `${REDIRECT_URI}?next=https://evil.example`],
    ['a trailing slash', `${REDIRECT_URI}/`],
    ['another port', 'http://localhost:3001/oauth/callback'],
    ['another custom scheme', 'evilapp://oauth'],
  ])('refuses a redirect URI outside OAUTH_REDIRECT_URIS (%s) with BAD_USER_INPUT on redirectUri, in both operations', async (_name, uri) => {
    const before = await storedText();
    const asked = await authorizationUrl(app, 'GOOGLE', uri);
    expect(asked.data).toBeNull();
    expect(asked.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'redirectUri' });
    const code = google.issueCode({ profile: googleProfile(), redirectUri: uri });
    const login = await oauthLogin(app, { provider: 'GOOGLE', code, redirectUri: uri });
    expect(errorCode(login)).toBe('BAD_USER_INPUT');
    expect(login.errors![0]!.extensions).toMatchObject({ field: 'redirectUri' });
    expect(google.calls).toHaveLength(0);
    expect(await storedText()).toEqual(before);
  });

  it('uses the client\'s own codeVerifier over the kept one, and accepts it without any state', async () => {
    const withState = await authorized(app, 'GOOGLE');
    const pair = pkcePair();
    const code = google.issueCode({ profile: googleProfile(), redirectUri: REDIRECT_URI, codeChallenge: pair.challenge });
    const response = await oauthLogin(app, { provider: 'GOOGLE', code, redirectUri: REDIRECT_URI, state: withState.state, codeVerifier: pair.verifier });
    expect(response.errors).toBeUndefined();
    const own = pkcePair();
    const stateless = kakao.issueCode({ profile: { id: Date.now() }, redirectUri: APP_URI, codeChallenge: own.challenge });
    expect((await oauthLogin(app, { provider: 'KAKAO', code: stateless, redirectUri: APP_URI, codeVerifier: own.verifier })).errors).toBeUndefined();
    expect(google.callsTo('token')[0]!.form.code_verifier).toBe(pair.verifier);
    expect(kakao.callsTo('token')[0]!.form.code_verifier).toBe(own.verifier);
    expect(response.text).not.toContain(pair.verifier);
  });

  it('logs in without a state by default, sending no verifier when the client has none', async () => {
    const code = google.issueCode({ profile: googleProfile(), redirectUri: REDIRECT_URI });
    const response = await oauthLogin(app, { provider: 'GOOGLE', code, redirectUri: REDIRECT_URI });
    expect(response.errors).toBeUndefined();
    expect(response.data!.oauthLogin.isNewUser).toBe(true);
    expect(google.callsTo('token')[0]!.form.code_verifier).toBeUndefined();
  });

  it.each([
    ['too short', 'a'.repeat(42)],
    ['too long', 'a'.repeat(129)],
    ['with a character outside the unreserved set', `${'a'.repeat(42)}+`],
    ['empty', ''],
  ])('refuses a codeVerifier %s with BAD_USER_INPUT on codeVerifier, before calling the provider', async (_name, codeVerifier) => {
    const { url, state } = await authorized(app, 'GOOGLE');
    const approval = google.approve(url, googleProfile());
    const response = await oauthLogin(app, { provider: 'GOOGLE', code: approval.code, redirectUri: REDIRECT_URI, state, codeVerifier });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors![0]!.extensions).toMatchObject({ field: 'codeVerifier' });
    expect(google.calls).toHaveLength(0);
  });

  it.each([
    ['empty', ''],
    ['over 2048 characters', 'c'.repeat(2049)],
  ])('refuses a code %s with BAD_USER_INPUT on code, before calling the provider', async (_name, code) => {
    const response = await oauthLogin(app, { provider: 'NAVER', code, redirectUri: REDIRECT_URI });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors![0]!.extensions).toMatchObject({ field: 'code' });
    expect(response.text).not.toContain('c'.repeat(100));
    expect(naver.calls).toHaveLength(0);
  });

  it('passes a code of exactly 2048 characters on to the provider', async () => {
    const response = await oauthLogin(app, { provider: 'NAVER', code: 'c'.repeat(2048), redirectUri: REDIRECT_URI });
    expect(errorCode(response)).toBe('OAUTH_PROVIDER_ERROR');
    expect(naver.callsTo('token')[0]!.form.code ?? naver.callsTo('token')[0]!.query.code).toHaveLength(2048);
  });
});

describe.each(['redis', 'postgres'] as const)('OAUTH_REQUIRE_STATE=true (%s store)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ ...envFor({ google, naver }), OAUTH_REQUIRE_STATE: 'true' }, { store });
  });
  afterAll(() => app?.close());

  it('refuses a login without a state with INVALID_OAUTH_STATE, before calling the provider, even with a codeVerifier', async () => {
    const pair = pkcePair();
    const code = google.issueCode({ profile: googleProfile(), redirectUri: REDIRECT_URI, codeChallenge: pair.challenge });
    expect(errorCode(await oauthLogin(app, { provider: 'GOOGLE', code, redirectUri: REDIRECT_URI, codeVerifier: pair.verifier }))).toBe('INVALID_OAUTH_STATE');
    const naverCode = naver.issueCode({ profile: { id: 'n-required' }, redirectUri: REDIRECT_URI });
    expect(errorCode(await oauthLogin(app, { provider: 'NAVER', code: naverCode, redirectUri: REDIRECT_URI }))).toBe('INVALID_OAUTH_STATE');
    expect([...google.calls, ...naver.calls]).toHaveLength(0);
    expect(await app.sql('select * from oauth_identities')).toEqual([]);
  });

  it('logs in with a state it issued', async () => {
    const { url, state } = await authorized(app, 'NAVER');
    const approval = naver.approve(url, { id: `n-${randomBytes(4).toString('hex')}`, nickname: 'naver user' });
    const response = await oauthLogin(app, { provider: 'NAVER', code: approval.code, state });
    expect(response.errors).toBeUndefined();
    expect(response.data!.oauthLogin).toMatchObject({ isNewUser: true, user: { providers: ['NAVER'], email: null } });
    expect(naver.callsTo('token')[0]!.form.state ?? naver.callsTo('token')[0]!.query.state).toBe(state);
  });
});
