import { createServer } from 'node:net';
import { errorCode } from '../../helpers/graphql-client.js';
import { authorizationUrl, authorized, oauthLogin, providerErrorOf, REDIRECT_URI } from '../../helpers/oauth.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

/** A loopback port nothing listens on (taken, then let go). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// Only Google is configured, and at an address where nobody answers; Kakao and Naver are off.
let app: TestApp;
let dead: string;
beforeAll(async () => {
  dead = `http://127.0.0.1:${await deadPort()}`;
  app = await createTestApp({
    OAUTH_GOOGLE_CLIENT_ID: 'configured-client.apps.googleusercontent.com',
    OAUTH_GOOGLE_CLIENT_SECRET: 'GOCSPX-configured-secret',
    OAUTH_GOOGLE_AUTHORIZE_URL: `${dead}/o/oauth2/v2/auth`,
    OAUTH_GOOGLE_TOKEN_URL: `${dead}/token`,
    OAUTH_GOOGLE_USERINFO_URL: `${dead}/v1/userinfo`,
    OAUTH_REDIRECT_URIS: REDIRECT_URI,
  });
});
afterAll(() => app?.close());

describe.each(['KAKAO', 'NAVER'] as const)('a provider without OAUTH_%s_CLIENT_ID', (provider) => {
  it('answers oauthAuthorizationUrl with PROVIDER_NOT_CONFIGURED', async () => {
    const response = await authorizationUrl(app, provider, REDIRECT_URI);
    expect(errorCode(response)).toBe('PROVIDER_NOT_CONFIGURED');
    expect(response.data).toBeNull();
  });

  it('answers oauthLogin with PROVIDER_NOT_CONFIGURED, with or without a state', async () => {
    const { state } = await authorized(app, 'GOOGLE');
    for (const vars of [{}, { state }, { state: 'never-issued-state' }]) {
      const response = await oauthLogin(app, { provider, code: 'some-code', redirectUri: REDIRECT_URI, ...vars });
      expect(errorCode(response)).toBe('PROVIDER_NOT_CONFIGURED');
      expect(response.data).toBeNull();
    }
  });
});

describe('a configured provider nobody answers for', () => {
  it('still builds its authorize URL (no network needed)', async () => {
    const { url } = await authorized(app, 'GOOGLE');
    expect(url.startsWith(`${dead}/o/oauth2/v2/auth?`)).toBe(true);
  });

  it('answers oauthLogin with OAUTH_PROVIDER_ERROR unreachable at once, without its secret', async () => {
    const started = Date.now();
    const response = await oauthLogin(app, { provider: 'GOOGLE', code: '4/0Asome-code', redirectUri: REDIRECT_URI });
    expect(providerErrorOf(response)).toBe('unreachable');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(response.text).not.toContain('GOCSPX-configured-secret');
    expect(response.text).not.toContain(dead);
  });
});

it('answers every provider with PROVIDER_NOT_CONFIGURED when no OAUTH_* setting is given', async () => {
  const bare = await createTestApp();
  try {
    for (const provider of ['GOOGLE', 'KAKAO', 'NAVER'] as const) {
      expect(errorCode(await authorizationUrl(bare, provider))).toBe('PROVIDER_NOT_CONFIGURED');
      expect(errorCode(await oauthLogin(bare, { provider, code: 'some-code' }))).toBe('PROVIDER_NOT_CONFIGURED');
    }
  } finally {
    await bare.close();
  }
});
