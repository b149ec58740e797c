import { AUTH_FIELDS, PASSWORD, signUp, storedSession, uniqueEmail } from '../helpers/accounts.js';
import { bearer } from '../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Production masking (NODE_ENV=production): an internal error reaches the client as
 * INTERNAL_SERVER_ERROR with a fixed message and an error id, and no response of the catalogue
 * below carries a password, a hash, SQL, a backing service's host:port or a source path.
 */

/** Every response body this file saw, by the request that produced it, for the leak checks at the end. */
const seen: Array<{ name: string; text: string }> = [];

interface Answer {
  status: number;
  text: string;
  /** The parsed JSON body, or an empty object when the body is not JSON. */
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

async function request(name: string, url: string, init?: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  seen.push({ name, text });
  let body: Answer['body'];
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    body = {};
  }
  return { status: response.status, text, body };
}

function gql(name: string, target: TestApp, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
  return request(name, `${target.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { ${AUTH_FIELDS} } }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { ${AUTH_FIELDS} } }`;

let production: TestApp;
/** A production app whose schema a test breaks (a dropped table): internal errors on demand. */
let broken: TestApp;
beforeAll(async () => {
  [production, broken] = await Promise.all([createTestApp({ NODE_ENV: 'production' }), createTestApp({ NODE_ENV: 'production' })]);
});
afterAll(async () => {
  await Promise.all([production?.close(), broken?.close()]);
});

describe('internal errors in production', () => {
  let accessToken: string;
  let refreshToken: string;
  let email: string;
  let userId: string;
  beforeAll(async () => {
    const user = await signUp(broken);
    ({ accessToken, refreshToken } = user);
    email = user.user.email!;
    userId = user.user.id;
    // The resolvers load users with their OAuth identities: without the table every such query fails.
    await broken.sql('drop table oauth_identities cascade');
  });

  it.each([
    ['me with a valid access token', () => gql('internal: me', broken, '{ me { id email providers } }', undefined, bearer(accessToken))],
    ['signIn of an existing user', () => gql('internal: signIn', broken, SIGN_IN, { input: { email, password: PASSWORD } })],
    ['refresh of a live session', () => gql('internal: refresh', broken, 'mutation($t: String!) { refresh(refreshToken: $t) { accessToken } }', { t: refreshToken })],
    ['_entities of the user', () => gql('internal: entities', broken, `{ _entities(representations: [{ __typename: "User", id: "${userId}" }]) { ... on User { id } } }`)],
  ])('%s → INTERNAL_SERVER_ERROR, "Internal server error.", an errorId, nothing else', async (_name, send) => {
    const response = await send();
    expect(response.status).toBe(200);
    expect(response.body.errors).toHaveLength(1);
    const error = response.body.errors![0]!;
    expect(error.message).toBe('Internal server error.');
    expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', errorId: expect.stringMatching(UUID) });
    expect(Object.keys(error).filter((key) => !['message', 'locations', 'path', 'extensions'].includes(key))).toEqual([]);
    expect(response.text).not.toMatch(/oauth_identities|relation|does not exist|stacktrace|exception|\bat [\w.<>]+ \(|\.ts:\d+|\.js:\d+/i);
  });

  it('gives every internal error its own errorId', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(async (n) => (await gql(`internal: me #${n}`, broken, '{ me { id } }', undefined, bearer(accessToken))).body.errors?.[0]?.extensions?.errorId),
    );
    expect(new Set(ids).size).toBe(3);
  });
});

describe('no response leaks secrets or internals (production catalogue)', () => {
  let user: Awaited<ReturnType<typeof signUp>>;
  beforeAll(async () => {
    user = await signUp(production);
  });

  const catalogue: Array<[string, () => Promise<Answer>]> = [
    ['signUp', () => gql('signUp', production, SIGN_UP, { input: { email: uniqueEmail(), password: PASSWORD, nickname: 'Leak' } })],
    ['signUp with a taken email', () => gql('signUp taken', production, SIGN_UP, { input: { email: user.user.email, password: PASSWORD, nickname: 'Leak' } })],
    ['signUp with a 1 MB password', () => gql('signUp 1MB', production, SIGN_UP, { input: { email: uniqueEmail(), password: 'p'.repeat(1024 * 1024), nickname: 'Leak' } })],
    ['signIn', () => gql('signIn', production, SIGN_IN, { input: { email: user.user.email, password: PASSWORD } })],
    ['signIn with a wrong password', () => gql('signIn wrong', production, SIGN_IN, { input: { email: user.user.email, password: `${PASSWORD}!` } })],
    ['signIn of an unknown email', () => gql('signIn unknown', production, SIGN_IN, { input: { email: uniqueEmail(), password: PASSWORD } })],
    [
      'signIn whose variables fail coercion (the message would quote the password)',
      () => gql('signIn coercion', production, SIGN_IN, { input: { email: user.user.email, password: PASSWORD, extra: 'x' } }),
    ],
    ['signIn with the password as a number literal', () => gql('signIn literal', production, 'mutation { signIn(input: { email: "a@example.com", password: 123456 }) { accessToken } }')],
    ['refresh', () => gql('refresh', production, `mutation($t: String!) { refresh(refreshToken: $t) { ${AUTH_FIELDS} } }`, { t: user.refreshToken })],
    ['refresh with garbage', () => gql('refresh garbage', production, 'mutation { refresh(refreshToken: "a.b.c") { accessToken } }')],
    ['me', () => gql('me', production, '{ me { id email emailVerified nickname providers hasPassword createdAt } }', undefined, bearer(user.accessToken))],
    ['me with a forged token', () => gql('me forged', production, '{ me { id } }', undefined, bearer(`${user.accessToken.slice(0, -4)}AAAA`))],
    ['sessions', () => gql('sessions', production, '{ sessions { id createdAt lastUsedAt expiresAt userAgent ip current } }', undefined, bearer(user.accessToken))],
    ['_entities of a user', () => gql('entities', production, `{ _entities(representations: [{ __typename: "User", id: "${user.user.id}" }]) { ... on User { id email hasPassword } } }`)],
    ['revokeSession of an unknown id', () => gql('revokeSession', production, 'mutation { revokeSession(id: "nope") }', undefined, bearer(user.accessToken))],
    ['oauthAuthorizationUrl of an unconfigured provider', () => gql('oauth url', production, '{ oauthAuthorizationUrl(provider: GOOGLE, redirectUri: "http://localhost:3000/oauth/callback") { url } }')],
    ['oauthLogin of an unconfigured provider', () => gql('oauthLogin', production, 'mutation { oauthLogin(provider: KAKAO, code: "c") { accessToken } }')],
    ['a validation error (its message quotes the query, so no forbidden word in it)', () => gql('validation', production, '{ me { nickName } }')],
    ['a parse error', () => gql('parse', production, '{ me { ')],
    ['a batched request', () => request('batch', `${production.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[{"query":"{ loginState }"}]' })],
    ['a CSRF-blocked request', () => request('csrf', `${production.url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ loginState }"}' })],
    ['malformed JSON', () => request('json', `${production.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })],
    ['GET /readyz', () => request('readyz', `${production.url}/readyz`)],
    ['GET /.well-known/jwks.json', () => request('jwks', `${production.url}/.well-known/jwks.json`)],
    ['GET /graphql from a browser', () => request('landing', `${production.url}/graphql`, { headers: { accept: 'text/html' } })],
    ['an unknown path', () => request('404', `${production.url}/../../etc/passwd`)],
  ];

  it.each(catalogue)('%s → answered without a leak', async (_name, send) => {
    const response = await send();
    expect(response.status).toBeLessThan(500);
    expect(response.text).not.toMatch(/INTERNAL_SERVER_ERROR/);
  });

  // Runs after the catalogue above and the internal errors (jest runs a file's tests in order).
  it('across every response above: no password, hash, SQL, host:port of a backing service or source path', async () => {
    const stored = await storedSession(production, user.refreshToken.split('.')[1]!);
    const [row] = await production.sql<{ password_hash: string }>('select password_hash from users where id = $1', [user.user.id]);
    const databasePort = new URL(production.databaseUrl).port;
    const redisPort = new URL(process.env.TEST_REDIS_URL!).port;
    const forbidden: Array<string | RegExp> = [
      'password_hash',
      'passwordHash',
      '$2b$',
      '$2a$',
      row!.password_hash,
      PASSWORD,
      'SELECT',
      /\bselect\b.{0,200}?\bfrom\b/i,
      `127.0.0.1:${databasePort}`,
      `127.0.0.1:${redisPort}`,
      /\b(?:127\.0\.0\.1|localhost):\d{2,5}\b(?!\/oauth\/callback)/,
      'postgres://',
      'redis://',
      'node_modules',
      '/work/',
      process.cwd(),
      /"stacktrace"/,
      ...(stored ? [stored.currentHash, ...(stored.previousHash ? [stored.previousHash] : [])] : []),
    ];
    expect(seen.length).toBeGreaterThanOrEqual(catalogue.length + 6);
    const leaks = seen.flatMap(({ name, text }) =>
      forbidden.filter((needle) => (typeof needle === 'string' ? text.includes(needle) : needle.test(text))).map((needle) => `${name}: ${String(needle)}`),
    );
    expect(leaks).toEqual([]);
  });
});
