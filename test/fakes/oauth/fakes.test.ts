import type { FakeServer } from './base.js';
import { type FakeGoogle, type FakeKakao, type FakeNaver, type GoogleProfile, type KakaoProfile, type NaverProfile, pkcePair, startFakeGoogle, startFakeKakao, startFakeNaver } from './index.js';

// The fakes are proven here, over real HTTP, before any gateway test leans on them.

const REDIRECT_URI = 'http://localhost:3000/oauth/callback';
const FORM = 'application/x-www-form-urlencoded';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the test looks at text
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** POSTs the defined fields as a form. */
async function postForm(url: string, fields: Record<string, string | undefined>, contentType = FORM): Promise<Answer> {
  const body = new URLSearchParams(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return answer(await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: body.toString() }));
}

async function getWithBearer(url: string, token?: string): Promise<Answer> {
  return answer(await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }));
}

/** How a request ended: jest's realm cannot `instanceof` the errors fetch throws, so name the outcome. */
function outcome(request: Promise<Response>): Promise<string> {
  return request.then(
    (response) => `answered ${response.status}`,
    (error: unknown) => `failed: ${(error as Error).name}`,
  );
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('fake Google', () => {
  let google: FakeGoogle;
  beforeAll(async () => {
    google = await startFakeGoogle();
  });
  afterEach(() => google.reset());
  afterAll(() => google?.close());

  const profile: GoogleProfile = { sub: '109876543210987654321', email: 'ada@gmail.com', email_verified: true, name: 'Ada Lovelace', given_name: 'Ada' };

  function exchange(code: string, fields: Record<string, string | undefined> = {}): Promise<Answer> {
    return postForm(google.tokenUrl, { grant_type: 'authorization_code', code, client_id: google.clientId, client_secret: google.clientSecret, redirect_uri: REDIRECT_URI, ...fields });
  }

  it('exchanges a PKCE-bound code for a Bearer token, serves the profile to it, and records both calls', async () => {
    const pkce = pkcePair();
    const code = google.issueCode({ profile, redirectUri: REDIRECT_URI, codeChallenge: pkce.challenge });
    const token = await exchange(code, { code_verifier: pkce.verifier });
    expect(token.status).toBe(200);
    expect(token.json).toEqual({ access_token: expect.any(String), expires_in: 3599, scope: expect.stringContaining('openid'), token_type: 'Bearer', id_token: expect.any(String) });
    expect(JSON.parse(Buffer.from((token.json.id_token as string).split('.')[1]!, 'base64url').toString())).toMatchObject({ iss: 'https://accounts.google.com', aud: google.clientId, sub: profile.sub });

    const me = await getWithBearer(google.userInfoUrl, token.json.access_token as string);
    expect(me.status).toBe(200);
    expect(me.json).toEqual(profile);
    expect(google.calls.map((call) => call.endpoint)).toEqual(['token', 'userinfo']);
    expect(google.callsTo('token')[0]).toMatchObject({
      method: 'POST',
      contentType: FORM,
      form: { grant_type: 'authorization_code', code, client_id: google.clientId, client_secret: google.clientSecret, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier },
    });
    expect(google.callsTo('userinfo')[0]?.headers.authorization).toBe(`Bearer ${token.json.access_token as string}`);
  });

  it('consents to the authorization URL a client built, binding its redirect_uri, state and challenge', async () => {
    const pkce = pkcePair();
    const url = `${google.authorizeUrl}?${new URLSearchParams({ response_type: 'code', client_id: google.clientId, redirect_uri: REDIRECT_URI, scope: 'openid email profile', state: 's1', code_challenge: pkce.challenge, code_challenge_method: 'S256' }).toString()}`;
    const approval = google.approve(url, profile);
    expect(approval).toEqual({ code: expect.any(String), state: 's1', redirectUri: REDIRECT_URI });
    expect((await exchange(approval.code, { code_verifier: 'x'.repeat(43) })).json.error_description).toBe('Invalid code verifier.');
    expect((await exchange(approval.code, { code_verifier: pkce.verifier })).status).toBe(200);
    expect(() => google.approve(url.replace(google.clientId, 'someone-else'), profile)).toThrow(/client_id/);
  });

  it.each([
    ['a wrong client secret', { client_secret: 'GOCSPX-wrong' }, 401, { error: 'invalid_client', error_description: 'Unauthorized' }],
    ['an unknown client id', { client_id: 'nobody.apps.googleusercontent.com' }, 401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' }],
    ['no client secret', { client_secret: undefined }, 400, { error: 'invalid_request', error_description: 'client_secret is missing.' }],
    ['another redirect_uri', { redirect_uri: 'http://localhost:3000/elsewhere' }, 400, { error: 'redirect_uri_mismatch', error_description: 'Bad Request' }],
    ['no code_verifier', { code_verifier: undefined }, 400, { error: 'invalid_grant', error_description: 'Missing code verifier.' }],
    ['a wrong code_verifier', { code_verifier: pkcePair().verifier }, 400, { error: 'invalid_grant', error_description: 'Invalid code verifier.' }],
    ['a code it never issued', { code: '4/0Anever' }, 400, { error: 'invalid_grant', error_description: 'Malformed auth code.' }],
  ])('refuses %s', async (_case, fields, status, body) => {
    const pkce = pkcePair();
    const code = google.issueCode({ profile, redirectUri: REDIRECT_URI, codeChallenge: pkce.challenge });
    const refused = await exchange(code, { code_verifier: pkce.verifier, ...fields });
    expect({ status: refused.status, body: refused.json }).toEqual({ status, body });
  });

  it('refuses the code of an authorization that carried a code_challenge until the token request brings the verifier hashing (S256) to it', async () => {
    const pkce = pkcePair();
    const { code } = google.approve(authorizationUrl(google, pkce.challenge), profile);
    const invalid = { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid code verifier.' } };
    const refusals = [
      await exchange(code),
      await exchange(code, { code_verifier: pkce.challenge }), // the challenge itself, as the "plain" method would send it
      await exchange(code, { code_verifier: pkcePair().verifier }),
    ];
    expect(refusals.map((refused) => ({ status: refused.status, body: refused.json }))).toEqual([
      { status: 400, body: { error: 'invalid_grant', error_description: 'Missing code verifier.' } },
      invalid,
      invalid,
    ]);
    // The refusals left the code unspent: with its verifier it buys a token.
    expect((await exchange(code, { code_verifier: pkce.verifier })).status).toBe(200);
  });

  it('refuses a spent code, an expired one and, after reset, every code it had issued', async () => {
    const spent = google.issueCode({ profile, redirectUri: REDIRECT_URI });
    expect((await exchange(spent)).status).toBe(200);
    expect(await exchange(spent)).toMatchObject({ status: 400, json: { error: 'invalid_grant', error_description: 'Bad Request' } });
    const expired = google.issueCode({ profile, redirectUri: REDIRECT_URI });
    google.expireCode(expired);
    expect(await exchange(expired)).toMatchObject({ status: 400, json: { error: 'invalid_grant', error_description: 'Bad Request' } });
    const forgotten = google.issueCode({ profile, redirectUri: REDIRECT_URI });
    google.reset();
    expect((await exchange(forgotten)).json.error_description).toBe('Malformed auth code.');
  });

  it("answers an unknown or revoked access token with Google's 401", async () => {
    const token = (await exchange(google.issueCode({ profile, redirectUri: REDIRECT_URI }))).json.access_token as string;
    google.revokeAccessToken(token);
    for (const refused of [await getWithBearer(google.userInfoUrl, token), await getWithBearer(google.userInfoUrl)]) {
      expect(refused.status).toBe(401);
      expect(refused.json).toEqual({ error: 'invalid_request', error_description: 'Invalid Credentials' });
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="https://accounts.google.com/", error="invalid_token"');
    }
  });
});

describe('fake Kakao', () => {
  let kakao: FakeKakao;
  beforeAll(async () => {
    kakao = await startFakeKakao();
  });
  afterEach(() => kakao.reset());
  afterAll(() => kakao?.close());

  const profile: KakaoProfile = { id: 4123456789, nickname: '라이언', email: 'ryan@kakao.com', isEmailValid: true, isEmailVerified: false };

  function exchange(fake: FakeKakao, code: string, fields: Record<string, string | undefined> = {}): Promise<Answer> {
    const secret = fake.clientSecret ?? undefined;
    return postForm(fake.tokenUrl, { grant_type: 'authorization_code', client_id: fake.clientId, redirect_uri: REDIRECT_URI, code, client_secret: secret, ...fields }, `${FORM};charset=utf-8`);
  }

  it('exchanges a code for a bearer token and answers /v2/user/me with a numeric id and the email flags', async () => {
    const pkce = pkcePair();
    const code = kakao.issueCode({ profile, redirectUri: REDIRECT_URI, codeChallenge: pkce.challenge });
    const token = await exchange(kakao, code, { code_verifier: pkce.verifier });
    expect(token.status).toBe(200);
    expect(token.json).toEqual({ token_type: 'bearer', access_token: expect.any(String), expires_in: 21599, refresh_token: expect.any(String), refresh_token_expires_in: 5183999, scope: 'account_email profile_nickname' });
    expect(kakao.callsTo('token')[0]).toMatchObject({ contentType: `${FORM};charset=utf-8`, form: { code, client_secret: kakao.clientSecret, code_verifier: pkce.verifier } });

    const me = await getWithBearer(kakao.userInfoUrl, token.json.access_token as string);
    expect(me.text).toContain('"id":4123456789,');
    expect(me.json).toEqual({
      id: 4123456789,
      connected_at: '2024-01-01T00:00:00Z',
      properties: { nickname: '라이언' },
      kakao_account: {
        profile_nickname_needs_agreement: false,
        profile: { nickname: '라이언', is_default_nickname: false },
        has_email: true,
        email_needs_agreement: false,
        is_email_valid: true,
        is_email_verified: false,
        email: 'ryan@kakao.com',
      },
    });
  });

  it('sends ids beyond 2^53 as exact digits and leaves out what the user did not share', async () => {
    const token = await exchange(kakao, kakao.issueCode({ profile: { id: 9007199254740993n, nickname: 'apeach', nicknameIn: 'account', emailNeedsAgreement: true }, redirectUri: REDIRECT_URI }));
    const me = await getWithBearer(kakao.userInfoUrl, token.json.access_token as string);
    expect(me.text).toMatch(/^\{"id":9007199254740993,/);
    expect(me.json.properties).toBeUndefined();
    expect(me.json.kakao_account).toEqual({ profile_nickname_needs_agreement: false, profile: { nickname: 'apeach', is_default_nickname: false }, has_email: true, email_needs_agreement: true });
  });

  it.each([
    ['a wrong client secret', { client_secret: 'wrong' }, 401, { error: 'invalid_client', error_description: 'Bad client credentials', error_code: 'KOE010' }],
    ['no client secret when the app has one', { client_secret: undefined }, 401, { error: 'invalid_client', error_description: 'Bad client credentials', error_code: 'KOE010' }],
    ['an unknown client id', { client_id: 'nobody' }, 400, { error: 'invalid_client', error_description: 'Not exist client_id nobody', error_code: 'KOE101' }],
    ['another redirect_uri', { redirect_uri: 'http://localhost:3000/elsewhere' }, 400, { error: 'invalid_grant', error_description: 'Redirect URI mismatch.', error_code: 'KOE303' }],
    ['a code it never issued', { code: 'never' }, 400, codeNotFound('never')],
  ])('refuses %s', async (_case, fields, status, body) => {
    const pkce = pkcePair();
    const code = kakao.issueCode({ profile, redirectUri: REDIRECT_URI, codeChallenge: pkce.challenge });
    const refused = await exchange(kakao, code, { code_verifier: pkce.verifier, ...fields });
    expect({ status: refused.status, body: refused.json }).toEqual({ status, body });
  });

  // Kakao documents no PKCE error of its own: the fake answers as it answers a bad code (KOE320).
  it('refuses the code of an authorization that carried a code_challenge until the token request brings the verifier hashing (S256) to it', async () => {
    const pkce = pkcePair();
    const { code } = kakao.approve(authorizationUrl(kakao, pkce.challenge), profile);
    const refusals = [
      await exchange(kakao, code),
      await exchange(kakao, code, { code_verifier: pkce.challenge }), // the challenge itself, as the "plain" method would send it
      await exchange(kakao, code, { code_verifier: pkcePair().verifier }),
    ];
    expect(refusals.map((refused) => ({ status: refused.status, body: refused.json }))).toEqual(Array(3).fill({ status: 400, body: codeNotFound(code) }));
    // The refusals left the code unspent: with its verifier it buys a token.
    expect((await exchange(kakao, code, { code_verifier: pkce.verifier })).status).toBe(200);
  });

  it('refuses a spent code with KOE320 naming it', async () => {
    const code = kakao.issueCode({ profile, redirectUri: REDIRECT_URI });
    expect((await exchange(kakao, code)).status).toBe(200);
    expect(await exchange(kakao, code)).toMatchObject({ status: 400, json: { error: 'invalid_grant', error_description: `authorization code not found for code=${code}`, error_code: 'KOE320' } });
  });

  it('for an app without a client secret, accepts none and refuses one', async () => {
    const open = await startFakeKakao({ clientSecretMode: 'disabled' });
    try {
      expect(open.clientSecret).toBeNull();
      expect((await exchange(open, open.issueCode({ profile, redirectUri: REDIRECT_URI }))).status).toBe(200);
      const stale = await exchange(open, open.issueCode({ profile, redirectUri: REDIRECT_URI }), { client_secret: 'stale' });
      expect({ status: stale.status, code: stale.json.error_code }).toEqual({ status: 401, code: 'KOE010' });
    } finally {
      await open.close();
    }
  });

  it('answers kapi-style 401s for an unknown token and for none', async () => {
    expect(await getWithBearer(kakao.userInfoUrl, 'unknown')).toMatchObject({ status: 401, json: { msg: 'this access token does not exist', code: -401 } });
    expect(await getWithBearer(kakao.userInfoUrl)).toMatchObject({ status: 401, json: { msg: 'no authentication key!', code: -401 } });
  });
});

/** The URL a client sends the browser to, with an S256 code_challenge. */
function authorizationUrl(fake: FakeServer & { clientId: string }, challenge: string): string {
  return `${fake.authorizeUrl}?${new URLSearchParams({ response_type: 'code', client_id: fake.clientId, redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' }).toString()}`;
}

/** Kakao's answer to a bad code, which the fake also gives to a PKCE failure. */
function codeNotFound(code: string) {
  return { error: 'invalid_grant', error_description: `authorization code not found for code=${code}`, error_code: 'KOE320' };
}

describe('fake Naver', () => {
  let naver: FakeNaver;
  beforeAll(async () => {
    naver = await startFakeNaver();
  });
  afterEach(() => naver.reset());
  afterAll(() => naver?.close());

  const profile: NaverProfile = { id: 'x7bQ2mZ1pLk0', email: 'jun@naver.com', nickname: '준', name: '김준' };

  function fields(code: string, state: string | undefined, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return { grant_type: 'authorization_code', client_id: naver.clientId, client_secret: naver.clientSecret, code, state, ...extra };
  }

  it('exchanges a code posted as a form, with expires_in a string, and serves the profile', async () => {
    const code = naver.issueCode({ profile, redirectUri: REDIRECT_URI, state: 'st' });
    const token = await postForm(naver.tokenUrl, fields(code, 'st'));
    expect(token.status).toBe(200);
    expect(token.json).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'bearer', expires_in: '3600' });
    expect(naver.callsTo('token')[0]).toMatchObject({ method: 'POST', query: {}, form: { code, state: 'st', client_secret: naver.clientSecret } });
    const me = await getWithBearer(naver.userInfoUrl, token.json.access_token as string);
    expect(me).toMatchObject({ status: 200, json: { resultcode: '00', message: 'success', response: profile } });
  });

  it('exchanges a code sent in the query string, as Naver’s own examples do, and records that', async () => {
    const code = naver.issueCode({ profile, redirectUri: REDIRECT_URI, state: 'st' });
    const query = new URLSearchParams(fields(code, 'st') as Record<string, string>);
    expect((await answer(await fetch(`${naver.tokenUrl}?${query.toString()}`))).json.token_type).toBe('bearer');
    expect(naver.callsTo('token')[0]).toMatchObject({ method: 'GET', query: { code, state: 'st' }, form: {} });
  });

  it.each([
    ['a wrong client secret', { client_secret: 'wrong' }, { error: 'invalid_request', error_description: 'wrong client id / client secret pair' }],
    ['a code it never issued', { code: 'never' }, { error: 'invalid_request', error_description: 'no valid data in session' }],
    ["another request's state", { state: 'other' }, { error: 'invalid_request', error_description: 'no valid data in session' }],
    ['no state', { state: undefined }, { error: 'invalid_request', error_description: 'fake: state is required' }],
  ])('refuses %s with HTTP 200 and an error body', async (_case, extra, body) => {
    const code = naver.issueCode({ profile, redirectUri: REDIRECT_URI, state: 'st' });
    const refused = await postForm(naver.tokenUrl, { ...fields(code, 'st'), ...extra });
    expect({ status: refused.status, body: refused.json }).toEqual({ status: 200, body });
  });

  it('has no PKCE: its consent screen takes no authorization that carries a code_challenge, so no code is bound to one', async () => {
    const url = `${authorizationUrl(naver, pkcePair().challenge)}&state=st`;
    expect(() => naver.approve(url, profile)).toThrow(/this provider has no PKCE/);
    expect(naver.approve(url.replace(/&code_challenge=[^&]*&code_challenge_method=S256/, ''), profile).code).toEqual(expect.any(String));
  });

  it('refuses a spent code with HTTP 200', async () => {
    const code = naver.issueCode({ profile, redirectUri: REDIRECT_URI, state: 'st' });
    expect((await postForm(naver.tokenUrl, fields(code, 'st'))).json.access_token).toEqual(expect.any(String));
    expect(await postForm(naver.tokenUrl, fields(code, 'st'))).toMatchObject({ status: 200, json: { error: 'invalid_request', error_description: 'no valid data in session' } });
  });

  it('answers 401 with resultcode 024 for an unknown token and 028 for none', async () => {
    expect(await getWithBearer(naver.userInfoUrl, 'unknown')).toMatchObject({ status: 401, json: { resultcode: '024', message: 'Authentication failed / 인증에 실패했습니다.' } });
    expect(await getWithBearer(naver.userInfoUrl)).toMatchObject({ status: 401, json: { resultcode: '028' } });
  });
});

describe.each([
  ['Google', () => startFakeGoogle() as Promise<FakeServer>],
  ['Kakao', () => startFakeKakao() as Promise<FakeServer>],
  ['Naver', () => startFakeNaver() as Promise<FakeServer>],
])('fake %s controls', (_name, start) => {
  let fake: FakeServer;
  beforeAll(async () => {
    fake = await start();
  });
  afterEach(() => fake.reset());
  afterAll(() => fake?.close());

  it('echoes the query of an authorize request', async () => {
    const echoed = await answer(await fetch(`${fake.authorizeUrl}?response_type=code&state=s`));
    expect(echoed).toMatchObject({ status: 200, json: { endpoint: 'authorize', query: { response_type: 'code', state: 's' } } });
  });

  it('respondWith answers the next request exactly so, and the one after normally', async () => {
    fake.respondWith('userinfo', 503, '<html>down</html>', { 'content-type': 'text/html' });
    const odd = await getWithBearer(fake.userInfoUrl, 'whatever');
    expect({ status: odd.status, type: odd.headers.get('content-type'), text: odd.text }).toEqual({ status: 503, type: 'text/html', text: '<html>down</html>' });
    expect((await getWithBearer(fake.userInfoUrl, 'whatever')).status).toBe(401);
  });

  it('redirectTo answers with a redirect; the trap shows whether anybody followed it', async () => {
    fake.redirectTo('token', fake.trapUrl);
    const redirect = await fetch(fake.tokenUrl, { method: 'POST', redirect: 'manual' });
    expect({ status: redirect.status, location: redirect.headers.get('location') }).toEqual({ status: 302, location: fake.trapUrl });
    expect(fake.callsTo('trap')).toHaveLength(0);
    fake.redirectTo('token', fake.trapUrl, 307);
    expect((await fetch(fake.tokenUrl, { method: 'POST' })).status).toBe(200);
    expect(fake.callsTo('trap')).toHaveLength(1);
  });

  it('oversized pads the normal answer to the size asked, chunked unless told to declare it', async () => {
    fake.oversized('userinfo', 300_000);
    const chunked = await fetch(fake.userInfoUrl);
    expect(chunked.headers.get('content-length')).toBeNull();
    const text = await chunked.text();
    expect({ status: chunked.status, bytes: Buffer.byteLength(text) }).toEqual({ status: 401, bytes: 300_000 });
    expect((JSON.parse(text) as { padding: string }).padding).toMatch(/^x+$/);
    fake.oversized('userinfo', 70_000, { declareLength: true });
    const declared = await fetch(fake.userInfoUrl);
    expect(declared.headers.get('content-length')).toBe('70000');
    expect(Buffer.byteLength(await declared.text())).toBe(70_000);
  });

  it('hang records the request and never answers it', async () => {
    fake.hang('token');
    expect(await outcome(fetch(fake.tokenUrl, { method: 'POST', signal: AbortSignal.timeout(200) }))).toBe('failed: TimeoutError');
    expect(fake.callsTo('token')).toHaveLength(1);
  });

  it('reset forgets calls, pending overrides and hangs', async () => {
    fake.hang('userinfo');
    const hung = outcome(fetch(fake.userInfoUrl));
    await until(() => fake.calls.length === 1);
    fake.respondWith('userinfo', 500, {});
    fake.reset();
    expect(await hung).toBe('failed: TypeError');
    expect(fake.calls).toHaveLength(0);
    expect((await getWithBearer(fake.userInfoUrl)).status).toBe(401);
  });

  it('close() returns at once even with a request hanging, and the caller sees the connection drop', async () => {
    const other = await start();
    other.hang('userinfo');
    const hung = outcome(fetch(other.userInfoUrl));
    await until(() => other.calls.length === 1);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await hung).toBe('failed: TypeError');
  });
});
