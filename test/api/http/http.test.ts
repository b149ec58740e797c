import { createTestApp, type TestApp } from '../../helpers/test-app.js';

let app: TestApp;
let production: TestApp;
beforeAll(async () => {
  app = await createTestApp();
  production = await createTestApp({ NODE_ENV: 'production' });
});
afterAll(async () => {
  await app?.close();
  await production?.close();
});

describe('HTTP endpoints', () => {
  it('GET /healthz answers 200 while the process serves', async () => {
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 when the database and the session store answer', async () => {
    const response = await fetch(`${app.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
  });

  it('answers 404 for unknown paths', async () => {
    expect((await fetch(`${app.url}/nope`)).status).toBe(404);
  });

  it('serves a browser page outside production (Apollo Sandbox, falling back to the bundled explorer), and none in production', async () => {
    const page = await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="/explorer/landing.js"></script>');
    const prod = await fetch(`${production.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await prod.text()).not.toMatch(/sandbox|explorer/i);
  });

  it('runs queries over GET with the CSRF preflight header, and refuses GET without it', async () => {
    const query = encodeURIComponent('{ loginState }');
    const allowed = await fetch(`${app.url}/graphql?query=${query}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(await allowed.json()).toEqual({ data: { loginState: 'AUTHORIZATION_NOT_FOUND' } });
    const blocked = await fetch(`${app.url}/graphql?query=${query}`);
    expect(blocked.status).toBe(400);
  });

  it('refuses mutations over GET', async () => {
    const query = encodeURIComponent('mutation { logout }');
    const response = await fetch(`${app.url}/graphql?query=${query}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(405);
  });

  it('refuses a body over the size limit with 413 before reading it all', async () => {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ loginState } # ${'x'.repeat(3 * 1024 * 1024)}` }),
    });
    expect(response.status).toBe(413);
  });

  it('answers 400 with a GraphQL error for a body that is not JSON', async () => {
    const response = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
  });

  it('names the answering process in x-gateway-worker outside production, and never in production', async () => {
    const workerHeaderOf = async (url: string) => {
      const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
      await response.arrayBuffer();
      return response.headers.get('x-gateway-worker');
    };
    for (const path of ['/graphql?query=%7BloginState%7D', '/healthz', '/nope']) {
      // A test app runs in this jest worker's process.
      expect(await workerHeaderOf(`${app.url}${path}`)).toBe(String(process.pid));
      expect(await workerHeaderOf(`${production.url}${path}`)).toBeNull();
    }
    const posted = await production.gql('{ loginState }');
    expect(posted.data).toEqual({ loginState: 'AUTHORIZATION_NOT_FOUND' });
    expect(posted.headers.has('x-gateway-worker')).toBe(false);
  });

  it('keeps introspection on outside production and off in production', async () => {
    const introspect = '{ __schema { queryType { name } } }';
    expect((await app.gql(introspect)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const prod = await production.gql(introspect);
    expect(prod.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
