import { pkcePair } from '../fakes/oauth/index.js';
import { errorCode } from '../helpers/graphql-client.js';
import { authorizationUrl, authorized, envFor, oauthLogin, useFakeProviders } from '../helpers/oauth.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Review item 7: for a custom-scheme redirect, `state` and `code` reach whichever app claimed the
 * scheme, so a verifier kept by the gateway would be supplied to it. There the client holds PKCE.
 */

const APP_URI = 'myapp://oauth/callback';
const { google, naver } = await useFakeProviders();
const profile = () => ({ sub: `10${Date.now()}${Math.floor(Math.random() * 1e6)}`, email: `pkce.${Date.now()}@example.com`, email_verified: true });

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp(envFor({ google, naver }, [APP_URI]));
});
afterAll(() => app?.close());

it('state from the URL, then oauthLogin from another client without the verifier → INVALID_OAUTH_STATE, the provider never asked', async () => {
  const owner = pkcePair();
  const { url, state } = await authorized(app, 'GOOGLE', APP_URI, owner.challenge);
  // The other app received the redirect: it holds the code and the state, not the verifier.
  const { code } = google.approve(url, profile());
  expect(errorCode(await oauthLogin(app, { provider: 'GOOGLE', code, redirectUri: APP_URI, state }))).toBe('INVALID_OAUTH_STATE');
  expect(google.callsTo('token')).toHaveLength(0);
});

it('with a verifier that is not the challenge\'s → INVALID_OAUTH_STATE', async () => {
  const { url, state } = await authorized(app, 'GOOGLE', APP_URI, pkcePair().challenge);
  const { code } = google.approve(url, profile());
  expect(errorCode(await oauthLogin(app, { provider: 'GOOGLE', code, redirectUri: APP_URI, state, codeVerifier: pkcePair().verifier }))).toBe('INVALID_OAUTH_STATE');
  expect(google.callsTo('token')).toHaveLength(0);
});

it('the client holding the verifier signs in, and its verifier is what Google receives', async () => {
  const own = pkcePair();
  const { url, state } = await authorized(app, 'GOOGLE', APP_URI, own.challenge);
  const { code } = google.approve(url, profile());
  const response = await oauthLogin(app, { provider: 'GOOGLE', code, redirectUri: APP_URI, state, codeVerifier: own.verifier });
  expect(response.errors).toBeUndefined();
  expect(google.callsTo('token')[0]!.form).toMatchObject({ code_verifier: own.verifier });
});

it('a custom-scheme redirect without codeChallenge → BAD_USER_INPUT on codeChallenge, no state kept', async () => {
  const response = await authorizationUrl(app, 'GOOGLE', APP_URI);
  expect(response.data).toBeNull();
  expect(response.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'codeChallenge' });
});

it.each([
  ['not 43 characters', 'abc'],
  ['outside base64url', `${'a'.repeat(42)}=`],
])('a codeChallenge %s → BAD_USER_INPUT on codeChallenge', async (_name, challenge) => {
  const response = await authorizationUrl(app, 'GOOGLE', APP_URI, challenge);
  expect(response.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'codeChallenge' });
});

it('Naver (no PKCE at all) keeps working with a custom scheme, state only', async () => {
  const { state } = await authorized(app, 'NAVER', APP_URI);
  expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
});
