import { performance } from 'node:perf_hooks';
import { jest } from '@jest/globals';
import bcrypt from 'bcrypt';
import { PASSWORD, signIn, signUp, uniqueEmail } from '../helpers/accounts.js';
import { errorCode, type GraphQLResponse } from '../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Attacks on the credentials themselves, as a catalogue of "<attack> → <outcome>": account
 * enumeration by answer or by time, bcrypt's 72-byte truncation, oversized input, and stale
 * hash costs. Limits are set wide on purpose: brute-force.test.ts is about them.
 */

const WIDE_LIMITS = { RATE_LIMIT_SIGNIN: '100000/5m', RATE_LIMIT_SIGNUP: '100000/5m', SIGNIN_ACCOUNT_MAX_FAILURES: '1000' };
const SIGN_UP = 'mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ ...WIDE_LIMITS, BCRYPT_COST: '4' });
});
afterAll(() => app?.close());

let bcryptCalls: Array<ReturnType<typeof jest.spyOn>>;
beforeEach(() => {
  bcryptCalls = [jest.spyOn(bcrypt, 'compare'), jest.spyOn(bcrypt, 'hash')];
});
afterEach(() => bcryptCalls.forEach((spy) => spy.mockRestore()));
const bcryptWork = () => bcryptCalls.reduce((sum, spy) => sum + spy.mock.calls.length, 0);

/** An account that only ever signed in with a social login: users.password_hash is null. */
async function socialOnlyAccount(target: TestApp): Promise<string> {
  const email = uniqueEmail();
  const [user] = await target.sql<{ id: string }>(
    "insert into users (id, email, email_verified, nickname, password_hash, created_at, updated_at) values (gen_random_uuid(), $1, true, 'Social', null, now(), now()) returning id",
    [email],
  );
  await target.sql("insert into oauth_identities (id, user_id, provider, provider_user_id, email, created_at) values (gen_random_uuid(), $1, 'GOOGLE', $2, $3, now())", [
    user!.id,
    `g-${user!.id}`,
    email,
  ]);
  return email;
}

async function storedHash(target: TestApp, email: string): Promise<string> {
  const [row] = await target.sql<{ password_hash: string }>('select password_hash from users where email = $1', [email]);
  return row!.password_hash;
}

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');
/** The extensions of a response's only error (fails loudly when there is not exactly one). */
function fieldError(response: GraphQLResponse<unknown>) {
  errorCode(response);
  return response.errors![0]!.extensions;
}

describe('account enumeration', () => {
  let known: string;
  let socialOnly: string;
  beforeAll(async () => {
    known = uniqueEmail();
    await signUp(app, known);
    socialOnly = await socialOnlyAccount(app);
  });

  it('an unknown email, a wrong password and a password-less (social-only) account → byte-identical INVALID_CREDENTIALS answers', async () => {
    const responses = [await signIn(app, uniqueEmail(), PASSWORD), await signIn(app, known, 'wrong horse battery'), await signIn(app, socialOnly, PASSWORD)];
    for (const response of responses) {
      expect(response.status).toBe(responses[0]!.status);
      expect(response.text).toBe(responses[0]!.text);
      expect(response.headers.get('content-type')).toBe(responses[0]!.headers.get('content-type'));
    }
    expect(errorCode(responses[0]!)).toBe('INVALID_CREDENTIALS');
    expect(responses[0]!.data).toBeNull();
    expect(responses[0]!.errors![0]!.extensions).toEqual({ code: 'INVALID_CREDENTIALS' });
  });

  it.each([
    ['an empty password for the social-only account', () => socialOnly, ''],
    ['a NUL byte for the social-only account', () => socialOnly, '\u0000'],
  ])('%s → INVALID_CREDENTIALS: a null hash never matches', async (_, email, password) => {
    expect(errorCode(await signIn(app, email(), password))).toBe('INVALID_CREDENTIALS');
  });

  it('timing: 15 interleaved tries each of unknown email, wrong password and social-only account (BCRYPT_COST=8) → medians within 0.75–1.33 of each other', async () => {
    const timed = await createTestApp({ ...WIDE_LIMITS, BCRYPT_COST: '8' });
    try {
      const email = uniqueEmail();
      await signUp(timed, email);
      const social = await socialOnlyAccount(timed);
      const cases: Record<string, () => Promise<GraphQLResponse<unknown>>> = {
        unknown: () => signIn(timed, uniqueEmail(), PASSWORD),
        wrong: () => signIn(timed, email, 'wrong horse battery'),
        passwordless: () => signIn(timed, social, PASSWORD),
      };
      const names = Object.keys(cases);
      // Warm-up: the first unknown-email try also makes the dummy hash; connections get opened.
      for (const name of names) await cases[name]!();
      const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
      const pairs = [['unknown', 'wrong'], ['unknown', 'passwordless'], ['wrong', 'passwordless']] as const;
      const verdicts: string[] = [];
      // A statistical check: 15 interleaved tries each. Other test files share the CPU, so when a
      // ratio falls outside, up to two more rounds of 15 are added and all tries judged together.
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 15; i++) {
          for (const name of [...names.slice(i % 3), ...names.slice(0, i % 3)]) {
            const start = performance.now();
            const response = await cases[name]!();
            times[name]!.push(performance.now() - start);
            expect(errorCode(response)).toBe('INVALID_CREDENTIALS');
          }
        }
        const medians = Object.fromEntries(names.map((name) => [name, median(times[name]!)]));
        // The work must be measurable, or the ratio says nothing: cost 8 is several ms of bcrypt.
        expect(Math.min(...Object.values(medians))).toBeGreaterThan(3);
        const outside = pairs.map(([a, b]) => [a, b, medians[a]! / medians[b]!] as const).filter(([, , ratio]) => ratio < 0.75 || ratio > 1.33);
        if (outside.length === 0) return;
        verdicts.push(`${15 * (round + 1)} tries: ${outside.map(([a, b, ratio]) => `${a}/${b} = ${ratio.toFixed(2)}`).join(', ')} ${JSON.stringify(medians)}`);
      }
      throw new Error(`median times differ:\n${verdicts.join('\n')}`);
    } finally {
      await timed.close();
    }
  });
});

describe("bcrypt's 72-byte limit: never silently truncated", () => {
  const password72 = 'pw'.repeat(34) + 'éé'; // 70 characters, 72 bytes
  let email: string;
  beforeAll(async () => {
    email = uniqueEmail();
    await signUp(app, email, password72);
  });

  it('a 72-byte password (70 characters) → signs up and signs in', async () => {
    expect(byteLength(password72)).toBe(72);
    expect((await signIn(app, email, password72)).data?.signIn.user.email).toBe(email);
  });

  it.each([
    ['the same password + 1 ASCII byte (73 bytes)', `${password72}!`],
    ['70 characters that are 73 bytes', `${password72}é`.slice(1)],
    ['a 200-byte password', 'p'.repeat(200)],
  ])('signUp with %s → BAD_USER_INPUT, field password, no bcrypt work', async (_, password) => {
    expect(byteLength(password)).toBeGreaterThan(72);
    const response = await app.gql(SIGN_UP, { input: { email: uniqueEmail(), password, nickname: 'Long' } });
    expect(fieldError(response)).toEqual({ code: 'BAD_USER_INPUT', field: 'password' });
    expect(bcryptWork()).toBe(0);
  });

  it.each([
    ['+1 ASCII byte', `${password72}!`],
    ['+1 two-byte character', `${password72}é`],
    ['+100 bytes', `${password72}${'x'.repeat(100)}`],
  ])('signIn with the real 72-byte password %s → BAD_USER_INPUT, field password (refused, not truncated to a match)', async (_, password) => {
    expect(password.startsWith(password72)).toBe(true);
    const response = await signIn(app, email, password);
    expect(response.data).toBeNull();
    expect(fieldError(response)).toEqual({ code: 'BAD_USER_INPUT', field: 'password' });
    expect(bcryptWork()).toBe(0);
  });

  it.each([
    ['the part before an embedded NUL byte', 'correct\u0000horse', 'correct'],
    ['the same prefix with another tail after a NUL byte', 'correct\u0000horse', 'correct\u0000zebra'],
    ['a NUL byte alone, for a password that starts with one', '\u0000horse battery', '\u0000'],
  ])('signIn with %s → INVALID_CREDENTIALS: no truncation at NUL either', async (_, real, guess) => {
    const who = uniqueEmail();
    await signUp(app, who, real);
    expect(errorCode(await signIn(app, who, guess))).toBe('INVALID_CREDENTIALS');
    expect((await signIn(app, who, real)).data?.signIn.user.email).toBe(who);
  });
});

describe('oversized input: refused before any hashing', () => {
  const MB = 1_000_000;
  it.each([
    ['signIn', 'a 1 MB ASCII password', { email: 'victim@example.com', password: 'x'.repeat(MB) }, 'password'],
    ['signIn', 'a 1 MB password of two-byte characters', { email: 'victim@example.com', password: 'é'.repeat(MB / 2) }, 'password'],
    ['signUp', 'a 1 MB ASCII password', { email: 'new@example.com', password: 'x'.repeat(MB), nickname: 'Big' }, 'password'],
    ['signIn', 'a 10 kB email', { email: `${'a'.repeat(10_000)}@example.com`, password: PASSWORD }, 'email'],
    ['signUp', 'a 10 kB email', { email: `${'a'.repeat(10_000)}@example.com`, password: PASSWORD, nickname: 'Big' }, 'email'],
    ['signIn', 'a 1 MB email and a 1 MB password', { email: `${'a'.repeat(MB)}@example.com`, password: 'x'.repeat(MB) }, 'email'],
  ])('%s with %s → BAD_USER_INPUT naming the field, no bcrypt work, nothing echoed', async (mutation, _, input, field) => {
    const query = mutation === 'signIn' ? 'mutation($input: SignInInput!) { signIn(input: $input) { accessToken } }' : SIGN_UP;
    const response = await app.gql(query, { input });
    expect(fieldError(response)).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(bcryptWork()).toBe(0);
    expect(response.text.length).toBeLessThan(2_000);
  });
});

describe('stale hash cost: upgraded on sign-in', () => {
  it('a $2b$04$ hash, then sign-in on an instance with BCRYPT_COST=5 → a wrong password leaves it, the right one re-hashes to $2b$05$', async () => {
    const email = uniqueEmail();
    await signUp(app, email);
    const original = await storedHash(app, email);
    expect(original).toMatch(/^\$2b\$04\$/);
    const upgraded = await createTestApp({ ...WIDE_LIMITS, BCRYPT_COST: '5' }, { databaseUrl: app.databaseUrl, redisPrefix: app.redisPrefix });
    try {
      expect(errorCode(await signIn(upgraded, email, 'wrong horse battery'))).toBe('INVALID_CREDENTIALS');
      expect(await storedHash(upgraded, email)).toBe(original);

      expect((await signIn(upgraded, email, PASSWORD)).errors).toBeUndefined();
      const rehashed = await storedHash(upgraded, email);
      expect(rehashed).toMatch(/^\$2b\$05\$/);
      expect(await bcrypt.compare(PASSWORD, rehashed)).toBe(true);

      // A current hash is left alone, and an instance with a lower cost never downgrades it.
      expect((await signIn(upgraded, email, PASSWORD)).errors).toBeUndefined();
      expect((await signIn(app, email, PASSWORD)).errors).toBeUndefined();
      expect(await storedHash(app, email)).toBe(rehashed);
    } finally {
      await upgraded.close();
    }
  });
});
