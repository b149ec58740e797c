import { type GoogleProfile, pkcePair, s256, startFakeGoogle } from '../../fakes/oauth/index.js';
import { loginState } from '../../helpers/accounts.js';
import { approvedLogin, authorized, envFor, oauthLogin, providerErrorOf, REDIRECT_URI, useProviderApps } from '../../helpers/oauth.js';
import { createTestApp } from '../../helpers/test-app.js';

const APP_URI = 'myapp://oauth/google';
const { fake: google, apps } = await useProviderApps('google', startFakeGoogle, [APP_URI]);

let accounts = 0;
/** A Google account nobody has used here yet, with a verified email. */
function account(extra: Partial<GoogleProfile> = {}): GoogleProfile {
  accounts += 1;
  const sub = String(104_000_000_000_000_000_000n + BigInt(accounts));
  return { sub, email: `G.User${accounts}@Gmail.com`, email_verified: true, name: `Google User ${accounts}`, given_name: 'Google', ...extra };
}

/** The Google access token the gateway presented at userinfo. */
const accessTokenSent = () => /^Bearer (.+)$/.exec(google.callsTo('userinfo')[0]!.headers.authorization ?? '')?.[1];

describe.each(['redis', 'postgres'] as const)('Google sign-in (%s sessions)', (store) => {
  it("builds the authorize URL: Google's endpoint, response_type, client_id, redirect_uri, scope 'openid email profile', state and an S256 challenge", async () => {
    const app = apps[store];
    const first = await authorized(app, 'GOOGLE');
    const url = new URL(first.url);
    expect(`${url.origin}${url.pathname}`).toBe(google.authorizeUrl);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: google.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'openid email profile',
      state: first.state,
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
    });
    expect(first.state).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    const own = pkcePair();
    const second = new URL((await authorized(app, 'GOOGLE', APP_URI, own.challenge)).url).searchParams;
    expect(second.get('redirect_uri')).toBe(APP_URI);
    expect(second.get('state')).not.toBe(first.state);
    // A custom-scheme app runs PKCE itself: its own challenge goes to Google.
    expect(second.get('code_challenge')).toBe(own.challenge);
    expect(first.url).not.toContain(google.clientSecret);
  });

  it('signs a new Google user in: working tokens, verified email, nickname from name, providers [GOOGLE], no password', async () => {
    const app = apps[store];
    const profile = account();
    const { response, approval, url } = await approvedLogin(app, 'GOOGLE', google, profile);
    expect(response.errors).toBeUndefined();
    const payload = response.data!.oauthLogin;
    expect(payload).toMatchObject({ tokenType: 'Bearer', isNewUser: true });
    expect(payload.user).toMatchObject({ email: profile.email!.toLowerCase(), emailVerified: true, nickname: profile.name, providers: ['GOOGLE'], hasPassword: false });
    expect(await loginState(app, payload.accessToken)).toBe('AUTHENTICATED');

    const [tokenCall] = google.callsTo('token');
    expect(google.callsTo('token')).toHaveLength(1);
    expect(tokenCall!.method).toBe('POST');
    expect(tokenCall!.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(tokenCall!.repeatedParams).toEqual([]);
    expect(tokenCall!.form).toEqual({
      grant_type: 'authorization_code',
      code: approval.code,
      client_id: google.clientId,
      client_secret: google.clientSecret,
      redirect_uri: REDIRECT_URI,
      code_verifier: expect.stringMatching(/^[A-Za-z0-9\-._~]{43,128}$/),
    });
    expect(s256(tokenCall!.form.code_verifier!)).toBe(new URL(url).searchParams.get('code_challenge'));
    const userinfo = google.callsTo('userinfo');
    expect(userinfo).toHaveLength(1);
    expect(userinfo[0]!.method).toBe('GET');
    expect(accessTokenSent()).toMatch(/^ya29\./);
    for (const secret of [google.clientSecret, approval.code, accessTokenSent()!, tokenCall!.form.code_verifier!]) expect(response.text).not.toContain(secret);
  });

  it('signs the same Google account in again as the same user, with isNewUser false', async () => {
    const app = apps[store];
    const profile = account();
    const first = (await approvedLogin(app, 'GOOGLE', google, profile)).response.data!.oauthLogin;
    const again = (await approvedLogin(app, 'GOOGLE', google, { ...profile, name: 'Renamed' })).response.data!.oauthLogin;
    expect(again).toMatchObject({ isNewUser: false, user: { id: first.user.id, providers: ['GOOGLE'] } });
    expect(again.refreshToken).not.toBe(first.refreshToken);
    expect(await loginState(app, again.accessToken)).toBe('AUTHENTICATED');
  });
});

describe('Google profiles and errors', () => {
  const login = (profile: GoogleProfile, vars = {}) => approvedLogin(apps.redis, 'GOOGLE', google, profile, vars);

  it('keeps an email Google does not call verified off the account: email null; nickname falls back to given_name', async () => {
    const { response } = await login(account({ email_verified: false, name: undefined, given_name: 'Given' }));
    expect(response.data!.oauthLogin.user).toMatchObject({ email: null, emailVerified: false, nickname: 'Given', providers: ['GOOGLE'] });
  });

  it('sends the codeVerifier of a client that ran PKCE itself, and none when there is neither state nor verifier', async () => {
    const pkce = pkcePair();
    const withPkce = google.issueCode({ profile: account(), redirectUri: REDIRECT_URI, codeChallenge: pkce.challenge });
    const answered = await oauthLogin(apps.redis, { provider: 'GOOGLE', code: withPkce, redirectUri: REDIRECT_URI, codeVerifier: pkce.verifier });
    expect(answered.data?.oauthLogin.isNewUser).toBe(true);
    expect(google.callsTo('token')[0]!.form.code_verifier).toBe(pkce.verifier);
    const plain = google.issueCode({ profile: account(), redirectUri: REDIRECT_URI });
    expect((await oauthLogin(apps.redis, { provider: 'GOOGLE', code: plain, redirectUri: REDIRECT_URI })).data?.oauthLogin.isNewUser).toBe(true);
    expect(google.callsTo('token')[1]!.form).not.toHaveProperty('code_verifier');
  });

  it("answers a reused code with OAUTH_PROVIDER_ERROR invalid_grant, Google's code, never echoing the code", async () => {
    const { response, approval } = await login(account());
    expect(response.data?.oauthLogin.isNewUser).toBe(true);
    const reused = await oauthLogin(apps.redis, { provider: 'GOOGLE', code: approval.code, redirectUri: REDIRECT_URI });
    expect(providerErrorOf(reused)).toBe('invalid_grant');
    expect(reused.data).toBeNull();
    expect(reused.text).not.toContain(approval.code);
  });

  it.each([
    ['an unknown code', 'invalid_grant', () => oauthLogin(apps.redis, { provider: 'GOOGLE', code: '4/0Anot-a-real-code', redirectUri: REDIRECT_URI })],
    ['a redirect URI other than the one the code was issued for', 'redirect_uri_mismatch', () => {
      const code = google.issueCode({ profile: account(), redirectUri: APP_URI });
      return oauthLogin(apps.redis, { provider: 'GOOGLE', code, redirectUri: REDIRECT_URI });
    }],
    ['userinfo refusing the access token (401)', 'invalid_request', () => {
      google.respondWith('userinfo', 401, { error: 'invalid_request', error_description: 'Invalid Credentials' });
      return login(account()).then((result) => result.response);
    }],
    ['a token endpoint answering HTML', 'invalid_response', () => {
      google.respondWith('token', 502, '<html><body>Bad Gateway</body></html>', { 'content-type': 'text/html' });
      return login(account()).then((result) => result.response);
    }],
  ])('answers %s with OAUTH_PROVIDER_ERROR %s', async (_what, code, attempt) => {
    const response = await attempt();
    expect(providerErrorOf(response)).toBe(code);
    expect(response.text).not.toContain(google.clientSecret);
  });

  it('gives up on a Google that never answers after 5 s: OAUTH_PROVIDER_ERROR timeout', async () => {
    google.hang('token');
    const started = Date.now();
    const { response } = await login(account());
    expect(providerErrorOf(response)).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(google.callsTo('token')).toHaveLength(1);
  }, 15_000);

  it('follows no redirect: OAUTH_PROVIDER_ERROR unexpected_redirect, and the target gets no call', async () => {
    google.redirectTo('userinfo', google.trapUrl, 307);
    const { response } = await login(account());
    expect(providerErrorOf(response)).toBe('unexpected_redirect');
    expect(google.callsTo('trap')).toHaveLength(0);
  });

  it.each([false, true])('refuses a 1 MB answer (Content-Length declared: %s): OAUTH_PROVIDER_ERROR response_too_large', async (declareLength) => {
    google.oversized('token', 1024 * 1024, { declareLength });
    const { response } = await login(account());
    expect(providerErrorOf(response)).toBe('response_too_large');
    expect(google.callsTo('userinfo')).toHaveLength(0);
  });
});

test("a wrong OAUTH_GOOGLE_CLIENT_SECRET answers OAUTH_PROVIDER_ERROR invalid_client, showing neither secret", async () => {
  const app = await createTestApp({ ...envFor({ google }), OAUTH_GOOGLE_CLIENT_SECRET: 'GOCSPX-wrong-secret-000000' });
  try {
    const { response } = await approvedLogin(app, 'GOOGLE', google, account());
    expect(providerErrorOf(response)).toBe('invalid_client');
    expect(google.callsTo('token')[0]!.form.client_secret).toBe('GOCSPX-wrong-secret-000000');
    expect(response.text).not.toContain('GOCSPX-wrong-secret');
    expect(response.text).not.toContain(google.clientSecret);
  } finally {
    await app.close();
  }
});
