import { jest } from '@jest/globals';
import bcrypt from 'bcrypt';
import { type FakeGoogle, type GoogleProfile, startFakeGoogle } from '../fakes/oauth/index.js';
import { AUTH_FIELDS, PASSWORD, refresh, signIn, signUp, uniqueEmail } from '../helpers/accounts.js';
import { errorCode, type GraphQLResponse } from '../helpers/graphql-client.js';
import { envFor, OAUTH_AUTHORIZATION_URL, oauthLogin, REDIRECT_URI } from '../helpers/oauth.js';
import { createTestApp, type StoreKind, type TestApp } from '../helpers/test-app.js';

/**
 * Brute force against the credential mutations, as an attack catalogue: each case is
 * "<attack> → <outcome>", run against counters in Redis and in PostgreSQL. createTestApp's
 * defaults keep limits out of the way, so every app here sets the limits it is about.
 */

const WRONG = 'wrong horse battery';
const ADDRESS_LIMITS = { RATE_LIMIT_SIGNIN: '3/5m', RATE_LIMIT_REFRESH: '2/5m', RATE_LIMIT_SIGNUP: '2/1h', RATE_LIMIT_OAUTH: '2/5m' };
/** The contract's account defaults; the address budget is wide, so only the account limit is in play. */
const ACCOUNT_ENV = { SIGNIN_ACCOUNT_MAX_FAILURES: '5', SIGNIN_ACCOUNT_LOCK_MAX: '15m', SIGNIN_ACCOUNT_RESET: '12h', RATE_LIMIT_SIGNIN: '1000/5m', TRUST_PROXY: 'true' };
/** Real address budgets, and accounts locking only far beyond them. */
const ADDRESS_ENV = { ...ADDRESS_LIMITS, SIGNIN_ACCOUNT_MAX_FAILURES: '5', TRUST_PROXY: 'true' };

let addresses = 0;
/** A client address nobody has used yet, as a trusted proxy reports it: each test gets its own budget. */
function from(address = nextAddress()): Record<string, string> {
  return { 'x-forwarded-for': address };
}
function nextAddress(): string {
  addresses += 1;
  return `198.18.${addresses >> 8}.${addresses & 255}`;
}

/** The seconds a RATE_LIMITED refusal asks the client to wait (checked to be a whole number ≥ 1). */
function retryAfterOf(response: GraphQLResponse<unknown>): number {
  expect(response.data ?? null).toBeNull();
  expect(errorCode(response)).toBe('RATE_LIMITED');
  const retryAfter = response.errors![0]!.extensions!.retryAfter as number;
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  return retryAfter;
}

const codeOf = (response: GraphQLResponse<unknown>) => errorCode(response);
const signedInOk = (response: GraphQLResponse<{ signIn: unknown }>) => response.errors === undefined && response.data?.signIn != null;

let compares: ReturnType<typeof jest.spyOn>;
beforeEach(() => {
  compares = jest.spyOn(bcrypt, 'compare');
});
afterEach(() => compares.mockRestore());

async function account(app: TestApp): Promise<string> {
  const email = uniqueEmail();
  await signUp(app, email, PASSWORD, from());
  return email;
}

describe.each(['redis', 'postgres'] as const)('brute force (%s counters)', (store: StoreKind) => {
  describe('per account: SIGNIN_ACCOUNT_MAX_FAILURES=5, SIGNIN_ACCOUNT_LOCK_MAX=15m', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp(ACCOUNT_ENV, { store });
    });
    afterAll(() => app?.close());

    it.each([
      ['the right password', PASSWORD],
      ['a sixth wrong password', WRONG],
    ])('5 wrong passwords, then %s → RATE_LIMITED, retryAfter about 60, no bcrypt work', async (_, sixth) => {
      const email = await account(app);
      const client = from();
      for (let i = 0; i < 5; i++) expect(codeOf(await signIn(app, email, `${WRONG} ${i}`, client))).toBe('INVALID_CREDENTIALS');
      compares.mockClear();
      const retryAfter = retryAfterOf(await signIn(app, email, sixth, client));
      expect(retryAfter).toBeGreaterThanOrEqual(55);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(compares).not.toHaveBeenCalled();
    });

    it.each([
      ['from a fresh address each time (distributed guessing)', () => from()],
      ['with the email in other cases and padded with spaces', () => from()],
    ])('5 wrong passwords %s → the 6th is RATE_LIMITED', async (name, headers) => {
      const email = await account(app);
      const variants = name.includes('cases') ? [email.toUpperCase(), ` ${email} `, email, `\t${email.toUpperCase()}`, email] : Array(5).fill(email);
      for (const variant of variants) expect(codeOf(await signIn(app, variant, WRONG, headers()))).toBe('INVALID_CREDENTIALS');
      retryAfterOf(await signIn(app, email, PASSWORD, headers()));
    });

    it('10 wrong passwords in parallel on one account → exactly 5 reach bcrypt, the other 5 RATE_LIMITED, and the account is locked', async () => {
      const email = await account(app);
      compares.mockClear();
      const responses = await Promise.all(Array.from({ length: 10 }, () => signIn(app, email, WRONG, from())));
      const codes = responses.map(codeOf);
      expect(codes.filter((code) => code === 'INVALID_CREDENTIALS')).toHaveLength(5);
      expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(5);
      expect(compares).toHaveBeenCalledTimes(5);
      retryAfterOf(await signIn(app, email, PASSWORD, from()));
    });

    it('4 failures, a success, 4 more failures → not locked: the success reset the count', async () => {
      const email = await account(app);
      const client = from();
      for (let i = 0; i < 4; i++) expect(codeOf(await signIn(app, email, WRONG, client))).toBe('INVALID_CREDENTIALS');
      expect(signedInOk(await signIn(app, email, PASSWORD, client))).toBe(true);
      for (let i = 0; i < 4; i++) expect(codeOf(await signIn(app, email, WRONG, client))).toBe('INVALID_CREDENTIALS');
      expect(signedInOk(await signIn(app, email, PASSWORD, client))).toBe(true);
    });

    it("locking another account → this one, from the attacker's own address, still signs in", async () => {
      const [victim, bystander] = [await account(app), await account(app)];
      const client = from();
      for (let i = 0; i < 5; i++) await signIn(app, victim, WRONG, client);
      retryAfterOf(await signIn(app, victim, PASSWORD, client));
      expect(signedInOk(await signIn(app, bystander, PASSWORD, client))).toBe(true);
    });

    it('guessing at an unknown email → locked exactly like a real account, with an identical refusal', async () => {
      const [known, unknown] = [await account(app), uniqueEmail()];
      for (let i = 0; i < 5; i++) {
        const [a, b] = [await signIn(app, known, WRONG, from()), await signIn(app, unknown, WRONG, from())];
        expect(b.text).toBe(a.text);
      }
      const [a, b] = [await signIn(app, known, WRONG, from()), await signIn(app, unknown, WRONG, from())];
      expect([codeOf(a), codeOf(b)]).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
      expect(Math.abs(retryAfterOf(a) - retryAfterOf(b))).toBeLessThanOrEqual(1);
    });
  });

  describe('lock growth: SIGNIN_ACCOUNT_MAX_FAILURES=2, SIGNIN_ACCOUNT_LOCK_MAX=15m', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp({ SIGNIN_ACCOUNT_MAX_FAILURES: '2', SIGNIN_ACCOUNT_LOCK_MAX: '15m', SIGNIN_ACCOUNT_RESET: '12h', RATE_LIMIT_SIGNIN: '1000/5m' }, { store });
    });
    afterAll(() => app?.close());

    it('2 failures, then 3 more attempts → each RATE_LIMITED, retryAfter counting down from 60, none reaching bcrypt', async () => {
      const email = await account(app);
      for (let i = 0; i < 2; i++) expect(codeOf(await signIn(app, email, WRONG))).toBe('INVALID_CREDENTIALS');
      compares.mockClear();
      const waits = [];
      for (const password of [WRONG, PASSWORD, WRONG]) waits.push(retryAfterOf(await signIn(app, email, password)));
      expect(waits[0]).toBeGreaterThanOrEqual(55);
      expect(waits[0]).toBeLessThanOrEqual(60);
      expect([...waits].sort((a, b) => b - a)).toEqual(waits);
      expect(compares).not.toHaveBeenCalled();
    });

    it('10 parallel wrong passwords → 2 reach bcrypt; the other 8 are refused untried, and do not lengthen the one-minute lock', async () => {
      const email = await account(app);
      compares.mockClear();
      const responses = await Promise.all(Array.from({ length: 10 }, () => signIn(app, email, WRONG)));
      expect(compares).toHaveBeenCalledTimes(2);
      const waits = responses.filter((response) => codeOf(response) === 'RATE_LIMITED').map(retryAfterOf);
      expect(waits).toHaveLength(8);
      for (const wait of waits) expect(wait).toBeLessThanOrEqual(60);
      expect(retryAfterOf(await signIn(app, email, PASSWORD))).toBeLessThanOrEqual(60);
    });

    it('a burst told "retry after N seconds" → the next attempt is told no less: the lock never shrinks', async () => {
      const email = await account(app);
      const responses = await Promise.all(Array.from({ length: 10 }, () => signIn(app, email, WRONG)));
      const longest = Math.max(...responses.filter((response) => codeOf(response) === 'RATE_LIMITED').map(retryAfterOf));
      expect(retryAfterOf(await signIn(app, email, PASSWORD))).toBeGreaterThanOrEqual(longest - 1);
    });
  });

  describe('lock expiry: SIGNIN_ACCOUNT_MAX_FAILURES=2, SIGNIN_ACCOUNT_LOCK_MAX=1s', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp({ SIGNIN_ACCOUNT_MAX_FAILURES: '2', SIGNIN_ACCOUNT_LOCK_MAX: '1s', SIGNIN_ACCOUNT_RESET: '12h', RATE_LIMIT_SIGNIN: '1000/5m' }, { store });
    });
    afterAll(() => app?.close());

    it('2 failures lock the account for 1 s → once it has passed, the right password signs in', async () => {
      const email = await account(app);
      for (let i = 0; i < 2; i++) expect(codeOf(await signIn(app, email, WRONG))).toBe('INVALID_CREDENTIALS');
      expect(retryAfterOf(await signIn(app, email, PASSWORD))).toBe(1);
      app.clock.advance(999);
      expect(retryAfterOf(await signIn(app, email, PASSWORD))).toBe(1);
      app.clock.advance(1);
      const response = await signIn(app, email, PASSWORD);
      expect(response.errors).toBeUndefined();
      expect(signedInOk(response)).toBe(true);
    });
  });

  describe('per address: RATE_LIMIT_SIGNIN=3/5m, TRUST_PROXY=false', () => {
    let app: TestApp;
    beforeEach(async () => {
      // Every test client is 127.0.0.1 here: a fresh app (fresh counters) per case.
      app = await createTestApp({ RATE_LIMIT_SIGNIN: '3/5m', SIGNIN_ACCOUNT_MAX_FAILURES: '5', TRUST_PROXY: 'false' }, { store });
    });
    afterEach(() => app?.close());

    it.each([
      ['3 wrong passwords on 3 accounts (credential stuffing), then a 4th', {}],
      ['3 wrong passwords, then a 4th with a spoofed X-Forwarded-For', { 'x-forwarded-for': '203.0.113.7' }],
      ['3 wrong passwords, then a 4th with a spoofed X-Real-IP and Forwarded', { 'x-real-ip': '203.0.113.8', forwarded: 'for=203.0.113.8' }],
    ])('%s → RATE_LIMITED, retryAfter within the 5m window, no bcrypt work', async (_, fourth) => {
      const emails = [await account(app), await account(app), await account(app), await account(app)];
      for (let i = 0; i < 3; i++) {
        expect(codeOf(await signIn(app, emails[i]!, WRONG, { 'x-forwarded-for': `203.0.113.${100 + i}` }))).toBe('INVALID_CREDENTIALS');
      }
      compares.mockClear();
      expect(retryAfterOf(await signIn(app, emails[3]!, PASSWORD, fourth))).toBeLessThanOrEqual(300);
      expect(compares).not.toHaveBeenCalled();
    });

    it('5 successful sign-ins, then 3 wrong passwords → all answered: successes use none of the budget; the 4th failure is RATE_LIMITED', async () => {
      const email = await account(app);
      for (let i = 0; i < 5; i++) expect(signedInOk(await signIn(app, email, PASSWORD))).toBe(true);
      for (let i = 0; i < 3; i++) expect(codeOf(await signIn(app, uniqueEmail(), WRONG))).toBe('INVALID_CREDENTIALS');
      retryAfterOf(await signIn(app, email, PASSWORD));
    });
  });

  describe('per address behind a trusted proxy: RATE_LIMIT_SIGNIN=3/5m, TRUST_PROXY=true', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp(ADDRESS_ENV, { store });
    });
    afterAll(() => app?.close());

    it('3 failures from address A, then B → B has its own budget, A stays RATE_LIMITED', async () => {
      const [a, b] = [nextAddress(), nextAddress()];
      for (let i = 0; i < 3; i++) expect(codeOf(await signIn(app, uniqueEmail(), WRONG, from(a)))).toBe('INVALID_CREDENTIALS');
      retryAfterOf(await signIn(app, uniqueEmail(), WRONG, from(a)));
      expect(codeOf(await signIn(app, uniqueEmail(), WRONG, from(b)))).toBe('INVALID_CREDENTIALS');
      retryAfterOf(await signIn(app, uniqueEmail(), WRONG, from(a)));
    });

    it('"<anything>, A" in X-Forwarded-For → counted against A, the entry the proxy appended', async () => {
      const a = nextAddress();
      for (let i = 0; i < 3; i++) await signIn(app, uniqueEmail(), WRONG, from(`10.0.0.${i + 1}, ${a}`));
      retryAfterOf(await signIn(app, uniqueEmail(), WRONG, from(a)));
    });
  });

  describe('aliased and batched attempts: RATE_LIMIT_SIGNIN=3/5m, SIGNIN_ACCOUNT_MAX_FAILURES=5', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp(ADDRESS_ENV, { store });
    });
    afterAll(() => app?.close());

    const attempt = (i: number) => `signIn(input: { email: $email, password: "${WRONG} ${i}" }) { accessToken }`;
    const aliased = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: ${attempt(i)}`).join('\n');
    const documents: Array<[string, string]> = [
      ['15 aliased signIn in one mutation', `mutation($email: String!) { ${aliased(15)} }`],
      ['2 aliased signIn', `mutation($email: String!) { ${aliased(2)} }`],
      ['15 aliased signIn spread from a fragment', `mutation($email: String!) { ...Guesses } fragment Guesses on Mutation { ${aliased(15)} }`],
      ['signIn in two different fragments', `mutation($email: String!) { ...A ...B } fragment A on Mutation { a: ${attempt(0)} } fragment B on Mutation { b: ${attempt(1)} }`],
      ['signIn in nested inline fragments', `mutation($email: String!) { a: ${attempt(0)} ... on Mutation { ... { b: ${attempt(1)} } } }`],
      ['signIn beside signUp', `mutation($email: String!) { a: ${attempt(0)} b: signUp(input: { email: $email, password: "${WRONG}", nickname: "x" }) { accessToken } }`],
    ];

    /** The attack counted nothing: the account signs in, the address still has all 3 failures, then the 4th is refused. */
    async function expectNothingCounted(email: string, client: Record<string, string>) {
      expect(compares).not.toHaveBeenCalled();
      expect(signedInOk(await signIn(app, email, PASSWORD, client))).toBe(true);
      for (let i = 0; i < 3; i++) expect(codeOf(await signIn(app, email, WRONG, client))).toBe('INVALID_CREDENTIALS');
      retryAfterOf(await signIn(app, email, WRONG, client));
    }

    it.each(documents)('%s → HTTP 400, one GRAPHQL_VALIDATION_FAILED error, no attempt counted', async (_, query) => {
      const [email, client] = [await account(app), from()];
      compares.mockClear();
      const response = await app.gql(query, { email }, client);
      expect(response.status).toBe(400);
      expect(response.data).toBeUndefined();
      expect(response.errors).toHaveLength(1);
      expect(response.errors![0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      await expectNothingCounted(email, client);
    });

    it('a JSON array of 15 signIn operations in one POST → HTTP 400, nothing run, nothing counted', async () => {
      const [email, client] = [await account(app), from()];
      compares.mockClear();
      const operation = { query: `mutation($input: SignInInput!) { signIn(input: $input) { ${AUTH_FIELDS} } }`, variables: { input: { email, password: WRONG } } };
      const response = await fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...client },
        body: JSON.stringify(Array(15).fill(operation)),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { data?: unknown; errors: Array<{ extensions?: { code?: string } }> };
      expect(body.data).toBeUndefined();
      expect(body.errors).toHaveLength(1);
      await expectNothingCounted(email, client);
    });
  });

  describe('other per-address budgets: RATE_LIMIT_REFRESH=2/5m, RATE_LIMIT_SIGNUP=2/1h, RATE_LIMIT_OAUTH=2/5m', () => {
    let app: TestApp;
    let google: FakeGoogle;
    beforeAll(async () => {
      google = await startFakeGoogle();
      app = await createTestApp({ ...ADDRESS_ENV, ...envFor({ google }) }, { store });
    });
    afterAll(async () => {
      await app?.close();
      await google?.close();
    });

    const signUpVars = () => ({ input: { email: uniqueEmail(), password: PASSWORD, nickname: 'Tester' } });
    const SIGN_UP = 'mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }';
    const authorizationUrl = (client: Record<string, string>) =>
      app.gql<{ oauthAuthorizationUrl: { url: string; state: string } }>(OAUTH_AUTHORIZATION_URL, { provider: 'GOOGLE', redirectUri: REDIRECT_URI }, client);
    let googleAccounts = 0;
    const profile = (): GoogleProfile => {
      googleAccounts += 1;
      return { sub: String(105_000_000_000_000_000_000n + BigInt(googleAccounts)), email: `bf.${googleAccounts}.${store}@gmail.com`, email_verified: true, name: 'G' };
    };

    it('3 refreshes of live tokens from one address → the 3rd RATE_LIMITED; another address still refreshes', async () => {
      const client = from();
      const pairs = [await signUp(app, uniqueEmail(), PASSWORD, from()), await signUp(app, uniqueEmail(), PASSWORD, from())];
      const third = await signUp(app, uniqueEmail(), PASSWORD, from());
      for (const pair of pairs) expect((await refresh(app, pair.refreshToken, client)).errors).toBeUndefined();
      retryAfterOf(await refresh(app, third.refreshToken, client));
      expect((await refresh(app, third.refreshToken, from())).errors).toBeUndefined();
    });

    it('2 guessed refresh tokens, then a real one from that address → RATE_LIMITED: guesses spend the budget', async () => {
      const client = from();
      const pair = await signUp(app, uniqueEmail(), PASSWORD, from());
      for (const guess of ['x.y.z', `${pair.user.id}.00000000-0000-0000-0000-000000000000.guess`]) {
        expect(codeOf(await refresh(app, guess, client))).toBe('INVALID_REFRESH_TOKEN');
      }
      retryAfterOf(await refresh(app, pair.refreshToken, client));
    });

    it('3 sign-ups from one address → the 3rd RATE_LIMITED (retryAfter within 1h); another address still signs up', async () => {
      const client = from();
      for (let i = 0; i < 2; i++) expect((await app.gql(SIGN_UP, signUpVars(), client)).errors).toBeUndefined();
      expect(retryAfterOf(await app.gql(SIGN_UP, signUpVars(), client))).toBeLessThanOrEqual(3_600);
      expect((await app.gql(SIGN_UP, signUpVars(), from())).errors).toBeUndefined();
    });

    it('probing emails with signUp (EMAIL_TAKEN) → spends the same budget: the 3rd probe RATE_LIMITED', async () => {
      const [client, taken] = [from(), await account(app)];
      for (let i = 0; i < 2; i++) expect(codeOf(await app.gql(SIGN_UP, { input: { email: taken, password: PASSWORD, nickname: 'x' } }, client))).toBe('EMAIL_TAKEN');
      retryAfterOf(await app.gql(SIGN_UP, { input: { email: taken, password: PASSWORD, nickname: 'x' } }, client));
    });

    it('3 oauthAuthorizationUrl from one address (each stores a state) → the 3rd RATE_LIMITED; another address still gets one', async () => {
      const client = from();
      for (let i = 0; i < 2; i++) expect((await authorizationUrl(client)).errors).toBeUndefined();
      expect(retryAfterOf(await authorizationUrl(client))).toBeLessThanOrEqual(300);
      expect((await authorizationUrl(from())).errors).toBeUndefined();
    });

    it('oauthAuthorizationUrl + oauthLogin share one budget → the next of either is RATE_LIMITED', async () => {
      const client = from();
      const issued = await authorizationUrl(client);
      const approval = google.approve(issued.data!.oauthAuthorizationUrl.url, profile());
      const login = await oauthLogin(app, { provider: 'GOOGLE', code: approval.code, redirectUri: approval.redirectUri, state: approval.state ?? null }, client);
      expect(login.errors).toBeUndefined();
      retryAfterOf(await authorizationUrl(client));
      retryAfterOf(await oauthLogin(app, { provider: 'GOOGLE', code: 'guessed-code', redirectUri: REDIRECT_URI }, client));
    });
  });

  describe('restart: SIGNIN_ACCOUNT_MAX_FAILURES=5, RATE_LIMIT_SIGNIN=3/5m', () => {
    it('a locked account and a spent address → still refused by a new app on the same database and Redis prefix', async () => {
      const first = await createTestApp(ADDRESS_ENV, { store });
      let second: TestApp | undefined;
      let firstOpen = true;
      try {
        const [locked, other] = [await account(first), await account(first)];
        for (let i = 0; i < 5; i++) expect(codeOf(await signIn(first, locked, WRONG, from()))).toBe('INVALID_CREDENTIALS');
        const spent = nextAddress();
        for (let i = 0; i < 3; i++) expect(codeOf(await signIn(first, uniqueEmail(), WRONG, from(spent)))).toBe('INVALID_CREDENTIALS');
        await first.close();
        firstOpen = false;
        second = await createTestApp(ADDRESS_ENV, { store, databaseUrl: first.databaseUrl, redisPrefix: first.redisPrefix });
        const retryAfter = retryAfterOf(await signIn(second, locked, PASSWORD, from()));
        expect(retryAfter).toBeGreaterThanOrEqual(30);
        expect(retryAfter).toBeLessThanOrEqual(60);
        retryAfterOf(await signIn(second, other, PASSWORD, from(spent)));
        // Not refusing everything: the other account, from a fresh address, signs in.
        expect(signedInOk(await signIn(second, other, PASSWORD, from()))).toBe(true);
      } finally {
        if (firstOpen) await first.close();
        await second?.close();
      }
    });
  });
});
