import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function post(app: TestApp, headers: Record<string, string> = {}) {
  return fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ loginState }' }) });
}

describe('X-Request-Id', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('echoes the id a caller sends', async () => {
    expect((await post(app, { 'x-request-id': 'trace-42.abc:def' })).headers.get('x-request-id')).toBe('trace-42.abc:def');
  });

  it.each([
    ['no id', {}],
    ['an id with spaces and quotes', { 'x-request-id': 'a b "c"' }],
    ['an id over 128 characters', { 'x-request-id': 'x'.repeat(129) }],
  ])('gives a fresh UUID to a request with %s', async (_case, headers) => {
    expect((await post(app, headers)).headers.get('x-request-id')).toMatch(UUID);
  });

  it('answers every route with one, health checks included', async () => {
    expect((await fetch(`${app.url}/healthz`)).headers.get('x-request-id')).toMatch(UUID);
  });
});
