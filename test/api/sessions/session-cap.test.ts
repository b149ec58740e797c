import { PASSWORD, listedSessionIds, loginState, refresh, refreshed, sessionIdOf, signIn, signedIn, signUp, storedSessionIds, type AuthPayload } from '../../helpers/accounts.js';
import { errorCode } from '../../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { TestClock } from '../../helpers/test-clock.js';

const SECOND = 1_000;
const DAY = 86_400_000;

describe.each(['redis', 'postgres'] as const)('MAX_SESSIONS_PER_USER=3 (%s session store)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ MAX_SESSIONS_PER_USER: '3' }, { store });
  });
  afterAll(() => app?.close());

  /** Signs up and in until the user has `count` sessions, one second apart, oldest first. */
  async function sessionsOneSecondApart(count: number): Promise<AuthPayload[]> {
    const pairs = [await signUp(app)];
    while (pairs.length < count) {
      app.clock.advance(SECOND);
      pairs.push(await signedIn(app, pairs[0]!.user.email!));
    }
    return pairs;
  }

  async function expectEvicted(pair: AuthPayload): Promise<void> {
    expect(errorCode(await refresh(app, pair.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    expect(await loginState(app, pair.accessToken)).toBe('SESSION_REVOKED');
  }

  it('keeps three sessions without evicting any', async () => {
    const pairs = await sessionsOneSecondApart(3);
    for (const pair of pairs) expect(await loginState(app, pair.accessToken)).toBe('AUTHENTICATED');
    expect(await storedSessionIds(app, pairs[0]!.user.id)).toHaveLength(3);
  });

  it('evicts the least recently used session on a 4th sign-in: its refresh token is refused and its access token reads SESSION_REVOKED', async () => {
    const [first, second, third] = await sessionsOneSecondApart(3);
    expect(await loginState(app, first!.accessToken)).toBe('AUTHENTICATED');
    app.clock.advance(SECOND);
    const fourth = await signedIn(app, first!.user.email!);
    await expectEvicted(first!);
    const remaining = [fourth, third!, second!].map((pair) => sessionIdOf(pair.refreshToken));
    expect(await listedSessionIds(app, fourth.accessToken)).toEqual(remaining);
    expect(await storedSessionIds(app, first!.user.id)).toEqual([...remaining].sort());
    for (const pair of [second!, third!, fourth]) expect(await loginState(app, pair.accessToken)).toBe('AUTHENTICATED');
  });

  it('counts use, not age: a session refreshed after the others were created outlives them', async () => {
    const [first, second, third] = await sessionsOneSecondApart(3);
    expect(await loginState(app, second!.accessToken)).toBe('AUTHENTICATED');
    app.clock.advance(SECOND);
    const firstAgain = await refreshed(app, first!.refreshToken);
    app.clock.advance(SECOND);
    const fourth = await signedIn(app, first!.user.email!);
    await expectEvicted(second!);
    expect(await loginState(app, firstAgain.accessToken)).toBe('AUTHENTICATED');
    const remaining = [fourth, firstAgain, third!].map((pair) => sessionIdOf(pair.refreshToken));
    expect(await listedSessionIds(app, fourth.accessToken)).toEqual(remaining);
    expect(await storedSessionIds(app, first!.user.id)).toEqual([...remaining].sort());
    expect(await refreshed(app, firstAgain.refreshToken)).toMatchObject({ user: { id: first!.user.id } });
  });

  it('counts each user on their own: another user\'s sign-ins evict none of mine', async () => {
    const mine = await sessionsOneSecondApart(3);
    await sessionsOneSecondApart(3);
    const stranger = await signUp(app);
    for (let i = 0; i < 3; i += 1) await signedIn(app, stranger.user.email!);
    for (const pair of mine) expect(await loginState(app, pair.accessToken)).toBe('AUTHENTICATED');
    expect(await storedSessionIds(app, mine[0]!.user.id)).toHaveLength(3);
    expect(await storedSessionIds(app, stranger.user.id)).toHaveLength(3);
  });

  it('holds under 8 parallel sign-ins: exactly three sessions stay, and only their tokens work', async () => {
    const first = await signUp(app);
    const results = await Promise.all(Array.from({ length: 8 }, () => signIn(app, first.user.email!, PASSWORD)));
    expect(results.map((result) => result.errors)).toEqual(Array(8).fill(undefined));
    const pairs = [first, ...results.map((result) => result.data!.signIn)];
    const stored = await storedSessionIds(app, first.user.id);
    expect(stored).toHaveLength(3);
    const states = await Promise.all(pairs.map((pair) => loginState(app, pair.accessToken)));
    const live = pairs.filter((_pair, i) => states[i] === 'AUTHENTICATED').map((pair) => sessionIdOf(pair.refreshToken));
    expect(live.sort()).toEqual(stored);
    expect(states.filter((state) => state === 'SESSION_REVOKED')).toHaveLength(6);
  });

  it('counts only live sessions: one ended by a REFRESH_TOKEN_TTL shortened across a restart goes before any live one is evicted', async () => {
    const clock = new TestClock();
    const env = { MAX_SESSIONS_PER_USER: '3', ACCESS_TOKEN_TTL: '3d' };
    const before = await createTestApp(env, { store, clock });
    const [old, second, third] = await (async () => {
      const first = await signUp(before);
      clock.advance(1.5 * DAY);
      const pairs = [await signedIn(before, first.user.email!), await signedIn(before, first.user.email!)];
      clock.advance(0.5 * DAY);
      // Used last of all, but past a one-day lifetime once the setting is shortened.
      return [await refreshed(before, first.refreshToken), ...pairs];
    })().finally(() => before.close());
    const after = await createTestApp({ ...env, REFRESH_TOKEN_TTL: '1d' }, { store, clock, databaseUrl: before.databaseUrl, redisPrefix: before.redisPrefix });
    try {
      clock.advance(0.1 * DAY);
      expect(await loginState(after, old!.accessToken)).toBe('SESSION_REVOKED');
      const fourth = await signedIn(after, old!.user.email!);
      for (const pair of [second!, third!, fourth]) expect(await loginState(after, pair.accessToken)).toBe('AUTHENTICATED');
      const live = [second!, third!, fourth].map((pair) => sessionIdOf(pair.refreshToken));
      expect((await listedSessionIds(after, fourth.accessToken)).sort()).toEqual([...live].sort());
      expect(await storedSessionIds(after, old!.user.id)).toEqual([...live].sort());
    } finally {
      await after.close();
    }
  });
});
