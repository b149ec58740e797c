import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const STUDIO = 'https://studio.apollographql.com';
const SANDBOX_EMBED = 'https://sandbox.embed.apollographql.com';

function preflight(app: TestApp, origin: string) {
  return fetch(`${app.url}/graphql`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
  });
}

function postFrom(app: TestApp, origin: string) {
  return fetch(`${app.url}/graphql`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ loginState }' }) });
}

describe('CORS on /graphql', () => {
  const apps: TestApp[] = [];
  afterAll(() => Promise.all(apps.map((app) => app.close())));
  async function start(env: Record<string, string> = {}): Promise<TestApp> {
    const app = await createTestApp(env);
    apps.push(app);
    return app;
  }

  it('lets Apollo Studio and the embedded Sandbox call outside production, with the headers a client sends', async () => {
    const app = await start();
    for (const origin of [STUDIO, SANDBOX_EMBED]) {
      const response = await preflight(app, origin);
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-allow-headers')).toMatch(/authorization/);
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      expect((await postFrom(app, origin)).headers.get('access-control-allow-origin')).toBe(origin);
    }
  });

  it('grants nothing to any other origin: no allow-origin header, so the browser refuses to read the answer', async () => {
    const app = await start();
    const response = await preflight(app, 'https://evil.example');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect((await postFrom(app, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows exactly CORS_ORIGINS when set', async () => {
    const app = await start({ CORS_ORIGINS: 'https://app.example.com, http://localhost:3000' });
    expect((await preflight(app, 'http://localhost:3000')).headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect((await preflight(app, 'https://app.example.com')).headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect((await preflight(app, STUDIO)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows no browser origin in production unless CORS_ORIGINS says so', async () => {
    const app = await start({ NODE_ENV: 'production' });
    expect((await preflight(app, STUDIO)).headers.get('access-control-allow-origin')).toBeNull();
  });
});
