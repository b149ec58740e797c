import { connect } from 'node:net';
import { PASSWORD, signIn, signUp, storedSession, storedSessionIds, uniqueEmail } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Attack catalogue for the shape of GraphQL requests: each row names an attack and the outcome the
 * contract promises ("Query-shape limits … answer with a validation error before any resolver
 * runs"; Apollo's CSRF prevention stays on; production hides introspection and suggestions).
 * test/api/http/http.test.ts keeps the plain happy/unhappy HTTP checks; this file goes after the limits.
 */

let app: TestApp;
let production: TestApp;
let productionWithIntrospection: TestApp;
let development: TestApp;
beforeAll(async () => {
  [app, production, productionWithIntrospection, development] = await Promise.all([
    createTestApp(),
    createTestApp({ NODE_ENV: 'production' }),
    createTestApp({ NODE_ENV: 'production', INTROSPECTION: 'true' }),
    createTestApp({ NODE_ENV: 'development' }),
  ]);
});
afterAll(async () => {
  await Promise.all([app, production, productionWithIntrospection, development].map((each) => each?.close()));
});

interface RawResponse {
  status: number;
  text: string;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> } | null;
}

/** A request exactly as given: the body is sent as is (a string) or as JSON. */
async function send(target: TestApp, init: { method?: string; search?: string; body?: unknown; headers?: Record<string, string> }): Promise<RawResponse> {
  const response = await fetch(`${target.url}/graphql${init.search ?? ''}`, {
    method: init.method ?? 'POST',
    headers: init.body === undefined || typeof init.body === 'string' ? init.headers : { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined || typeof init.body === 'string' ? (init.body) : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: RawResponse['body'];
  try {
    body = JSON.parse(text) as RawResponse['body'];
  } catch {
    body = null;
  }
  return { status: response.status, text, body };
}

const post = (target: TestApp, query: string, variables?: Record<string, unknown>) => send(target, { body: { query, variables } });

const codeOf = (response: RawResponse) => response.body?.errors?.[0]?.extensions?.code;

/** `a1: field a2: field … an: field`: n aliases. */
const aliases = (n: number, field = 'loginState') => Array.from({ length: n }, (_, i) => `a${i + 1}: ${field}`).join(' ');
/** `n` inline fragments on `type`, one inside the other, around `inner`: each one is a level for the depth limit. */
const nested = (n: number, type: string, inner: string): string => (n === 0 ? inner : `... on ${type} { ${nested(n - 1, type, inner)} }`);
/** `n` fields, each with one directive (a field may carry @include only once). */
const directives = (n: number) => Array.from({ length: n }, () => '__typename @include(if: true)').join(' ');
/**
 * A selection of exactly `n` - 2 lexical tokens: sibling `... on Query { __typename }` (6 tokens each), then
 * `__typename`s. Not 998 bare `__typename`s: graphql-js's own overlapping-fields budget aborts those.
 */
const selections = (n: number) => {
  const fragments = Math.floor((n - 2) / 6);
  return [...Array.from({ length: fragments }, () => '... on Query { __typename }'), ...Array.from({ length: n - 2 - 6 * fragments }, () => '__typename')].join(' ');
};
/** A query of exactly `n` lexical tokens. */
const tokens = (n: number) => `{ ${selections(n)} }`;

describe('query-shape limits (answered before any resolver runs)', () => {
  interface ShapeCase {
    name: string;
    query: string;
    outcome: 'answered' | 'GRAPHQL_VALIDATION_FAILED' | 'GRAPHQL_PARSE_FAILED';
    message?: RegExp;
  }
  const cases: ShapeCase[] = [
    { name: '15 aliases of loginState → answered', query: `{ ${aliases(15)} }`, outcome: 'answered' },
    { name: '16 aliases of loginState → validation error', query: `{ ${aliases(16)} }`, outcome: 'GRAPHQL_VALIDATION_FAILED', message: /aliases/i },
    {
      name: '16 aliases split across two fragments → validation error (fragments are counted)',
      query: `{ ...A ...B } fragment A on Query { ${aliases(8)} } fragment B on Query { ${aliases(8).replace(/a(\d+):/g, 'b$1:')} }`,
      outcome: 'GRAPHQL_VALIDATION_FAILED',
      message: /aliases/i,
    },
    { name: 'depth 10 (9 nested inline fragments on Query + a field) → answered', query: `{ ${nested(9, 'Query', 'loginState')} }`, outcome: 'answered' },
    {
      name: 'depth 11 (10 nested inline fragments on Query + a field) → validation error',
      query: `{ ${nested(10, 'Query', 'loginState')} }`,
      outcome: 'GRAPHQL_VALIDATION_FAILED',
      message: /depth/i,
    },
    {
      name: 'depth 11 through the object path signUp { user { … } } → validation error',
      query: `mutation { signUp(input: { email: "deep@example.com", password: "${PASSWORD}", nickname: "Deep" }) { user { ${nested(8, 'User', 'id')} } } }`,
      outcome: 'GRAPHQL_VALIDATION_FAILED',
      message: /depth/i,
    },
    { name: 'a document of 1000 tokens → answered', query: tokens(1_000), outcome: 'answered' },
    { name: 'a document of 1001 tokens → parse error', query: tokens(1_001), outcome: 'GRAPHQL_PARSE_FAILED', message: /1000 tokens/ },
    {
      name: '800 copies of one field → validation error (graphql-js aborts its overlapping-fields check)',
      query: `{ ${Array.from({ length: 800 }, () => '__typename').join(' ')} }`,
      outcome: 'GRAPHQL_VALIDATION_FAILED',
      message: /aborted/i,
    },
    {
      name: 'a 1 MB document of comments and one field → answered (comments are not tokens)',
      query: `# ${'x'.repeat(1024 * 1024)}\n{ loginState }`,
      outcome: 'answered',
    },
    { name: '50 directives → answered', query: `{ ${directives(50)} }`, outcome: 'answered' },
    { name: '51 @include directives → validation error', query: `{ ${directives(51)} }`, outcome: 'GRAPHQL_VALIDATION_FAILED', message: /directives/i },
    {
      name: 'cost about 4000 (100 fields under 9 nested fragments) → answered',
      query: `{ ${nested(9, 'Query', Array.from({ length: 100 }, () => '__typename').join(' '))} }`,
      outcome: 'answered',
    },
    {
      name: 'cost about 7800 (200 fields under 9 nested fragments: depth 10, no aliases, under 1000 tokens → validation error',
      query: `{ ${nested(9, 'Query', Array.from({ length: 200 }, () => '__typename').join(' '))} }`,
      outcome: 'GRAPHQL_VALIDATION_FAILED',
      message: /cost/i,
    },
    {
      name: 'cost about 6900 through 30 spreads of one 100-field fragment → validation error',
      query: `{ ${Array.from({ length: 30 }, () => '...F').join(' ')} } fragment F on Query { ${Array.from({ length: 100 }, () => '__typename').join(' ')} }`,
      outcome: 'GRAPHQL_VALIDATION_FAILED',
      message: /cost/i,
    },
    {
      name: 'a fragment cycle (A spreads B spreads A) → validation error, no stack overflow',
      query: '{ ...A } fragment A on Query { loginState ...B } fragment B on Query { ...A }',
      outcome: 'GRAPHQL_VALIDATION_FAILED',
      message: /cannot spread fragment/i,
    },
  ];

  it.each(cases)('$name', async ({ query, outcome, message }) => {
    const response = await post(app, query);
    const seen = { status: response.status, code: codeOf(response) ?? 'answered', data: response.body?.data === undefined ? 'none' : typeof response.body.data };
    expect(seen).toEqual(outcome === 'answered' ? { status: 200, code: 'answered', data: 'object' } : { status: 400, code: outcome, data: 'none' });
    expect(response.body?.errors?.map((error) => error.message).join('\n') ?? '').toMatch(message ?? /^$/);
  });
});

describe('credential mutations: at most one per operation, and a refused document has no side effect', () => {
  const signUpField = (email: string, alias = '') => `${alias}signUp(input: { email: "${email}", password: "${PASSWORD}", nickname: "Shape" }) { accessToken }`;
  const signInField = (email: string, alias = '') => `${alias}signIn(input: { email: "${email}", password: "${PASSWORD}" }) { accessToken }`;

  interface SideEffectCase {
    name: string;
    /** The mutation document, given the email it would create. */
    document: (email: string) => string;
    status: number;
    code: string;
  }
  const cases: SideEffectCase[] = [
    { name: 'signUp + signIn in one operation → validation error, no user', document: (e) => `mutation { ${signUpField(e)} ${signInField(e)} }`, status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
    {
      name: 'signUp aliased twice (a: signUp, b: signUp) → validation error, no user',
      document: (e) => `mutation { ${signUpField(e, 'a: ')} ${signUpField(`b.${e}`, 'b: ')} }`,
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
    },
    {
      name: 'signUp in a named fragment + signIn in an inline fragment → validation error, no user',
      document: (e) => `mutation { ...Up ... on Mutation { ${signInField(e)} } } fragment Up on Mutation { ${signUpField(e)} }`,
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
    },
    {
      name: 'signUp inside a depth-11 document (inline fragments on Mutation) → validation error, no user',
      document: (e) => `mutation { ${nested(7, 'Mutation', `signUp(input: { email: "${e}", password: "${PASSWORD}", nickname: "Shape" }) { user { ... on User { id } } }`)} }`,
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
    },
    {
      name: 'signUp with 16 aliases in its selection → validation error, no user',
      document: (e) => `mutation { signUp(input: { email: "${e}", password: "${PASSWORD}", nickname: "Shape" }) { ${aliases(16, 'accessToken')} } }`,
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
    },
    {
      name: 'signUp with 51 directives in its selection → validation error, no user',
      document: (e) => `mutation { signUp(input: { email: "${e}", password: "${PASSWORD}", nickname: "Shape" }) { ${directives(51)} } }`,
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
    },
    {
      name: 'signUp at the head of a 1001-token document → parse error, no user',
      document: (e) => `mutation { ${signUpField(e)} ${selections(1_001).replaceAll('Query', 'Mutation')} }`,
      status: 400,
      code: 'GRAPHQL_PARSE_FAILED',
    },
    {
      name: 'signUp next to a cost bomb → validation error, no user',
      document: (e) => `mutation { ${signUpField(e)} ${nested(9, 'Mutation', Array.from({ length: 200 }, () => '__typename').join(' '))} }`,
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
    },
  ];

  it.each(cases)('$name', async ({ document, status, code }) => {
    const email = uniqueEmail();
    const response = await post(app, document(email));
    expect(response.status).toBe(status);
    expect(codeOf(response)).toBe(code);
    expect(response.text).not.toContain('accessToken"');
    expect(await app.sql("select email from users where email like '%' || $1", [email])).toEqual([]);
  });

  it('signIn + refresh in one operation → validation error; no session is created and the refresh token is not rotated', async () => {
    const user = await signUp(app);
    const sessionsBefore = await storedSessionIds(app, user.user.id);
    const sessionId = user.refreshToken.split('.')[1]!;
    const stored = await storedSession(app, sessionId);
    const response = await post(
      app,
      'mutation($input: SignInInput!, $t: String!) { signIn(input: $input) { accessToken } refresh(refreshToken: $t) { accessToken } }',
      { input: { email: user.user.email, password: PASSWORD }, t: user.refreshToken },
    );
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.body?.errors?.[0]?.message).toMatch(/at most one/i);
    expect(await storedSessionIds(app, user.user.id)).toEqual(sessionsBefore);
    expect(await storedSession(app, sessionId)).toEqual(stored);
  });

  it('one credential mutation beside non-credential fields (logout without a refresh token, __typename) → answered, the user created', async () => {
    const email = uniqueEmail();
    const response = await post(app, `mutation { __typename ${signUpField(email)} logout }`);
    expect(response.status).toBe(200);
    // The signed-out logout is answered UNAUTHENTICATED on its own; the operation was not refused.
    expect(response.body?.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(await app.sql('select email from users where email = $1', [email])).toHaveLength(1);
  });

  it.each([
    ['changePassword', 'a: changePassword(currentPassword: "guess one", newPassword: "whatever passphrase") { accessToken } b: changePassword(currentPassword: "guess two", newPassword: "whatever passphrase") { accessToken }'],
    ['deleteAccount', 'a: deleteAccount(password: "guess one") b: deleteAccount(password: "guess two")'],
    ['requestEmailChange', 'a: requestEmailChange(newEmail: "x@example.com", password: "guess one") b: requestEmailChange(newEmail: "x@example.com", password: "guess two")'],
    ['resetPassword', 'a: resetPassword(token: "guess-one", newPassword: "whatever passphrase") b: resetPassword(token: "guess-two", newPassword: "whatever passphrase")'],
    ['verifyEmail + confirmEmailChange', 'verifyEmail(token: "guess-one") confirmEmailChange(token: "guess-two")'],
    ['completeMfa', 'a: completeMfa(challengeId: "c", code: "111111") { accessToken } b: completeMfa(challengeId: "c", code: "222222") { accessToken }'],
    ['disableTotp + confirmTotpEnrollment', 'disableTotp(code: "111111") confirmTotpEnrollment(code: "222222")'],
    ['startTotpEnrollment + startPasskeyRegistration', 'startTotpEnrollment(password: "guess one") { secret } startPasskeyRegistration(password: "guess two")'],
    ['finishPasskeySignIn', 'a: finishPasskeySignIn(response: {}) { accessToken } b: finishPasskeySignIn(response: {}) { accessToken }'],
  ])('mailed tokens, passwords and second factors are credentials too: two aliased %s → refused whole before any resolver, the account as it was', async (_name, fields) => {
    const user = await signUp(app);
    const response = await send(app, { body: { query: `mutation { ${fields} }` }, headers: { authorization: `Bearer ${user.accessToken}` } });
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await signIn(app, user.user.email!, PASSWORD)).data?.signIn.user.id).toBe(user.user.id);
  });

  it('logout(refreshToken:) checks a credential: beside signUp → refused whole, no user created', async () => {
    const email = uniqueEmail();
    const response = await post(app, `mutation { logout(refreshToken: "a.b.c") ${signUpField(email)} }`);
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await app.sql('select email from users where email = $1', [email])).toHaveLength(0);
  });
});

describe('HTTP-level attacks on /graphql', () => {
  const signUpBody = (email: string) => ({
    query: 'mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }',
    variables: { input: { email, password: PASSWORD, nickname: 'Csrf' } },
  });

  interface HttpCase {
    name: string;
    request: (email: string) => { method?: string; search?: string; body?: unknown; headers?: Record<string, string> };
    status: number;
  }
  const cases: HttpCase[] = [
    { name: 'a batched request (JSON array of two queries) → HTTP 400', request: () => ({ body: [{ query: '{ loginState }' }, { query: '{ loginState }' }] }), status: 400 },
    { name: 'a batched request of one signUp → HTTP 400, no user', request: (e) => ({ body: [signUpBody(e)] }), status: 400 },
    {
      name: 'CSRF: GET query with no content-type and no apollo-require-preflight → HTTP 400',
      request: () => ({ method: 'GET', search: `?query=${encodeURIComponent('{ loginState }')}` }),
      status: 400,
    },
    {
      name: 'CSRF: GET query with content-type text/plain → HTTP 400',
      request: () => ({ method: 'GET', search: `?query=${encodeURIComponent('{ loginState }')}`, headers: { 'content-type': 'text/plain' } }),
      status: 400,
    },
    {
      name: 'CSRF: POST signUp as text/plain (a simple request, no preflight) → HTTP 400, no user',
      request: (e) => ({ body: JSON.stringify(signUpBody(e)), headers: { 'content-type': 'text/plain' } }),
      status: 400,
    },
    {
      name: 'CSRF: POST signUp as text/plain;charset=application/json → HTTP 400, no user',
      request: (e) => ({ body: JSON.stringify(signUpBody(e)), headers: { 'content-type': 'text/plain; charset=application/json' } }),
      status: 400,
    },
    {
      name: 'CSRF: POST signUp as application/x-www-form-urlencoded → HTTP 400, no user',
      request: (e) => ({ body: JSON.stringify(signUpBody(e)), headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      status: 400,
    },
    {
      name: 'CSRF: POST signUp as multipart/form-data → HTTP 400, no user',
      request: (e) => ({ body: JSON.stringify(signUpBody(e)), headers: { 'content-type': 'multipart/form-data; boundary=x' } }),
      status: 400,
    },
    { name: 'CSRF: POST signUp with no content-type → HTTP 400, no user', request: (e) => ({ body: JSON.stringify(signUpBody(e)) }), status: 400 },
    {
      name: 'a mutation over GET, even with the preflight header → HTTP 405, no user',
      request: (e) => ({
        method: 'GET',
        search: `?query=${encodeURIComponent(signUpBody(e).query)}&variables=${encodeURIComponent(JSON.stringify(signUpBody(e).variables))}`,
        headers: { 'apollo-require-preflight': 'true' },
      }),
      status: 405,
    },
    { name: 'malformed JSON → HTTP 400', request: () => ({ body: '{"query": "{ loginState }"', headers: { 'content-type': 'application/json' } }), status: 400 },
    { name: 'an empty JSON body → HTTP 400', request: () => ({ body: '', headers: { 'content-type': 'application/json' } }), status: 400 },
    { name: 'JSON null → HTTP 400', request: () => ({ body: 'null', headers: { 'content-type': 'application/json' } }), status: 400 },
    { name: 'a JSON string → HTTP 400', request: () => ({ body: '"{ loginState }"', headers: { 'content-type': 'application/json' } }), status: 400 },
    { name: 'a JSON object without query → HTTP 400', request: () => ({ body: {} }), status: 400 },
    { name: 'a query that is a number → HTTP 400', request: () => ({ body: { query: 5 } }), status: 400 },
    { name: 'variables that are a string → HTTP 400', request: () => ({ body: { query: '{ loginState }', variables: 'x' } }), status: 400 },
    { name: 'a deeply nested JSON body (100 000 levels) → HTTP 400, the process survives', request: () => ({ body: `${'['.repeat(100_000)}${']'.repeat(100_000)}`, headers: { 'content-type': 'application/json' } }), status: 400 },
  ];

  it.each(cases)('$name', async ({ request, status }) => {
    const email = uniqueEmail();
    const response = await send(app, request(email));
    expect(response.status).toBe(status);
    expect(response.text).not.toContain('accessToken"');
    expect(await app.sql('select email from users where email = $1', [email])).toEqual([]);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });

  it('a declared 3 MB body → HTTP 413 before the body is sent', async () => {
    const { hostname, port } = new URL(app.url);
    const socket = connect(Number(port), hostname);
    try {
      const answer = new Promise<string>((resolve, reject) => {
        let received = '';
        socket.on('data', (chunk: Buffer) => {
          received += chunk.toString('utf8');
          if (received.includes('\r\n\r\n')) resolve(received);
        });
        socket.once('error', reject);
      });
      socket.write(`POST /graphql HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: ${3 * 1024 * 1024}\r\n\r\n{"query":"`);
      const started = Date.now();
      const head = await answer;
      expect(head).toMatch(/^HTTP\/1\.1 413 /);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      socket.destroy();
    }
  });

  it('a chunked 3 MB body with no content-length → HTTP 413', async () => {
    const chunk = new TextEncoder().encode(`# ${'x'.repeat(64 * 1024 - 2)}`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 3 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'BAD_REQUEST' } }] });
  });
});

describe('introspection and schema hints by environment', () => {
  const schemaQuery = '{ __schema { queryType { name } } }';
  const typeQuery = '{ __type(name: "User") { fields { name } } }';
  it.each([
    ['production: __schema → validation error', () => production, schemaQuery, 'refused'],
    ['production: __type(name: "User") → validation error', () => production, typeQuery, 'refused'],
    ['production: __schema nested in an inline fragment → validation error', () => production, `{ ... on Query { ${schemaQuery.slice(1, -1)} } }`, 'refused'],
    ['production: __typename → answered (not introspection)', () => production, '{ __typename }', 'answered'],
    ['production with INTROSPECTION=true: __schema → answered', () => productionWithIntrospection, schemaQuery, 'answered'],
    ['production with INTROSPECTION=true: __type → answered', () => productionWithIntrospection, typeQuery, 'answered'],
    ['test: __schema → answered', () => app, schemaQuery, 'answered'],
  ] as const)('%s', async (_name, target, query, outcome) => {
    const response = await post(target(), query);
    // A refusal must not show any of the schema; what an answer shows depends on the query.
    const showsSchema = outcome === 'answered' ? 'not asked' : /"fields"|"queryType"/.test(response.text);
    const seen = { status: response.status, code: codeOf(response) ?? 'answered', showsSchema };
    expect(seen).toEqual(outcome === 'answered' ? { status: 200, code: 'answered', showsSchema: 'not asked' } : { status: 400, code: 'GRAPHQL_VALIDATION_FAILED', showsSchema: false });
  });

  const typos: Array<[string, string, string]> = [
    ['a mistyped field', '{ loginStat }', 'loginState'],
    ['a mistyped argument', 'mutation { logout(refreshTokn: "x") }', 'refreshToken'],
    ['a mistyped input field', 'mutation { signIn(input: { emial: "a@example.com", password: "x" }) { accessToken } }', 'email'],
    ['a mistyped type', 'query($p: OAuthProvidr!) { oauthAuthorizationUrl(provider: $p, redirectUri: "x") { url } }', 'OAuthProvider'],
    ['a mistyped enum value', '{ oauthAuthorizationUrl(provider: GOOGL, redirectUri: "x") { url } }', 'GOOGLE'],
    ['a mistyped sub-field', 'mutation { signUp(input: { email: "a@example.com", password: "x", nickname: "n" }) { acessToken } }', 'accessToken'],
  ];
  it.each(typos)('production: %s → validation error with no "Did you mean" and no suggested name', async (_name, query, hint) => {
    const response = await post(production, query);
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('GRAPHQL_VALIDATION_FAILED');
    const messages = response.body!.errors!.map((error) => error.message).join('\n');
    expect(messages).not.toMatch(/did you mean/i);
    expect(messages).not.toContain(`"${hint}"`);
  });

  it.each([
    ['test', () => app],
    ['development', () => development],
  ] as const)('%s: a mistyped field → validation error with a "Did you mean" suggestion', async (_env, target) => {
    const response = await post(target(), '{ loginStat }');
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.body?.errors?.[0]?.message).toMatch(/Did you mean "loginState"\?/);
  });
});
