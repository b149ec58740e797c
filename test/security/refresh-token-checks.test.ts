import { parseRefreshToken, presentedToken, REUSE_DETECTION_DEPTH } from '../../src/services/refresh-tokens.js';
import { bearer, errorCode } from '../helpers/graphql-client.js';
import { loginState, refresh, refreshed, sessionIdOf, signUp, uniqueEmail } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { nextRefreshToken, hashRefreshToken } from '../../src/services/refresh-tokens.js';

/**
 * Review items 2, 8 and 9: recognising an old refresh token has a bounded cost; logout by refresh
 * token is budgeted and one per operation; refresh judges the token before anything else, and a
 * replayed token revokes its session whoever sends it.
 */

const LOGOUT = 'mutation($t: String!) { logout(refreshToken: $t) }';

describe('refresh token checks (PostgreSQL sessions)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ REFRESH_REUSE_GRACE: '0s' }, { store: 'postgres' });
  });
  afterAll(() => app?.close());

  it('a session rotated to generation 10,000,000, then bogus logouts (one, and aliased) and a bogus refresh → false, a validation error, INVALID_REFRESH_TOKEN; nothing revoked', async () => {
    const pair = await signUp(app);
    await app.sql('update sessions set generation = 10000000 where id = $1', [sessionIdOf(pair.refreshToken)]);
    const bogus = (n: number) => `${pair.refreshToken.slice(0, pair.refreshToken.lastIndexOf('.'))}.${String(n).padEnd(43, 'A')}`;
    expect((await app.gql<{ logout: boolean }>(LOGOUT, { t: bogus(1) })).data?.logout).toBe(false);
    const aliases = Array.from({ length: 15 }, (_, i) => `a${i}: logout(refreshToken: "${bogus(i + 2)}")`).join(' ');
    expect(errorCode(await app.gql(`mutation { ${aliases} }`))).toBe('GRAPHQL_VALIDATION_FAILED');
    // A bogus refresh searches at most the last 1,000 tokens whatever the generation (proved in the unit tests below).
    expect(errorCode(await refresh(app, bogus(99)))).toBe('INVALID_REFRESH_TOKEN');
    expect(await loginState(app, pair.accessToken)).toBe('AUTHENTICATED');
    expect((await refreshed(app, pair.refreshToken)).refreshToken).not.toBe(pair.refreshToken);
  });

  it('two aliased logout(refreshToken:) in one operation → a validation error before any resolver runs', async () => {
    const pair = await signUp(app);
    const response = await app.gql('mutation($t: String!) { a: logout(refreshToken: $t) b: logout(refreshToken: $t) }', { t: pair.refreshToken });
    expect(errorCode(response)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await loginState(app, pair.accessToken)).toBe('AUTHENTICATED');
  });

  it('logout by refresh token spends a per-address budget: the 4th is RATE_LIMITED', async () => {
    const fresh = await createTestApp({ RATE_LIMIT_REFRESH: '3/5m' }, { store: 'postgres' });
    try {
      const pair = await signUp(fresh);
      const codes = [];
      // Four wrong last characters: never the token's own (a digit the token ended in would end its session).
      const wrongEndings = [...'abcde'].filter((c) => c !== pair.refreshToken.slice(-1)).slice(0, 4);
      for (const ending of wrongEndings) {
        const response = await fresh.gql<{ logout: boolean }>(LOGOUT, { t: `${pair.refreshToken.slice(0, -1)}${ending}` });
        codes.push(response.errors ? errorCode(response) : `answered ${response.data!.logout}`);
      }
      expect(codes).toEqual(['answered false', 'answered false', 'answered false', 'RATE_LIMITED']);
    } finally {
      await fresh.close();
    }
  });

  it("refresh('<disabled user's id>.<uuid>.<junk>') → INVALID_REFRESH_TOKEN: a guessed token tells nothing about the user", async () => {
    const pair = await signUp(app);
    await app.sql('update users set disabled_at = now() where id = $1', [pair.user.id]);
    const junk = `${pair.user.id}.00000000-0000-4000-8000-000000000000.${'j'.repeat(43)}`;
    expect(errorCode(await refresh(app, junk))).toBe('INVALID_REFRESH_TOKEN');
    expect(errorCode(await refresh(app, `${pair.refreshToken.slice(0, -1)}x`))).toBe('INVALID_REFRESH_TOKEN');
    expect(errorCode(await refresh(app, pair.refreshToken))).toBe('ACCOUNT_DISABLED');
  });

  it("a stolen older refresh token sent with the thief's own access token → REFRESH_TOKEN_REUSED, and the victim's session is revoked", async () => {
    const victim = await signUp(app);
    const thief = await signUp(app, uniqueEmail());
    const rotated = await refreshed(app, victim.refreshToken);
    // A grace of 0 s still covers the very millisecond of the rotation; the replay comes one later.
    app.clock.advance(1);
    const response = await refresh(app, victim.refreshToken, bearer(thief.accessToken));
    expect(errorCode(response)).toBe('REFRESH_TOKEN_REUSED');
    expect(errorCode(await refresh(app, rotated.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    expect(await loginState(app, rotated.accessToken)).toBe('SESSION_REVOKED');
    expect(await loginState(app, thief.accessToken)).toBe('AUTHENTICATED');
  });
});

describe('presentedToken: how far back a replay is recognised', () => {
  const first = '11111111-1111-4111-8111-111111111111.22222222-2222-4222-8222-222222222222.' + 'a'.repeat(43);
  const key = 'k'.repeat(43);
  const chain = [first];
  for (let i = 0; i < REUSE_DETECTION_DEPTH + 1; i += 1) chain.push(nextRefreshToken(chain.at(-1)!, key));
  const live = chain.at(-1)!;
  const session = { currentHash: hashRefreshToken(live), previousHash: hashRefreshToken(chain.at(-2)!), generation: chain.length - 1, rotationKey: key };

  it('the live token, the previous one, and the oldest of the last 1,000 are recognised', () => {
    expect(parseRefreshToken(live)).not.toBeNull();
    expect(presentedToken(live, session)).toBe('current');
    expect(presentedToken(chain.at(-2)!, session)).toBe('previous');
    expect(presentedToken(chain.at(-REUSE_DETECTION_DEPTH - 1)!, session)).toBe('ancestor');
  });

  it('a token 1,001 rotations old is not recognised (INVALID_REFRESH_TOKEN, nothing revoked)', () => {
    expect(presentedToken(chain[0]!, session)).toBeNull();
  });

  it('a forged generation of ten million searches no further than the last 1,000 steps: the token 1,001 back stays unrecognised', () => {
    expect(presentedToken(chain[0]!, { ...session, generation: 10_000_000 })).toBeNull();
    expect(presentedToken(chain[1]!, { ...session, generation: 10_000_000 })).toBe('ancestor');
  });
});
