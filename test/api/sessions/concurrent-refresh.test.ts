import { hashRefreshToken } from '../../../src/services/refresh-tokens.js';
import { type AuthPayload, loginState, refresh, refreshed, sessionIdOf, signUp, storedSession, storedSessionIds } from '../../helpers/accounts.js';
import { errorCode } from '../../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const PARALLEL = 20;
/** Past the default REFRESH_REUSE_GRACE of 10 s. */
const PAST_GRACE = 11_000;

describe.each(['redis', 'postgres'] as const)('concurrent refreshes (%s session store)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({}, { store });
  });
  afterAll(() => app?.close());

  /** Fires PARALLEL refreshes with one token at once; expects all to succeed and returns their pairs. */
  async function refreshInParallel(refreshToken: string): Promise<AuthPayload[]> {
    const results = await Promise.all(Array.from({ length: PARALLEL }, () => refresh(app, refreshToken)));
    expect(results.map((result) => result.errors)).toEqual(Array(PARALLEL).fill(undefined));
    return results.map((result) => result.data!.refresh);
  }

  it('answers 20 parallel refreshes with one refresh token alike: all succeed with the same new refresh token', async () => {
    const first = await signUp(app);
    const pairs = await refreshInParallel(first.refreshToken);
    const successors = new Set(pairs.map((pair) => pair.refreshToken));
    expect(successors.size).toBe(1);
    expect(pairs[0]!.refreshToken).not.toBe(first.refreshToken);
    expect(pairs.every((pair) => sessionIdOf(pair.refreshToken) === sessionIdOf(first.refreshToken))).toBe(true);
    const states = await Promise.all(pairs.map((pair) => loginState(app, pair.accessToken)));
    expect(states).toEqual(Array(PARALLEL).fill('AUTHENTICATED'));
  });

  it('leaves exactly one session, with one live refresh token: the one returned, which refreshes fine', async () => {
    const first = await signUp(app);
    const [{ refreshToken: successor }] = (await refreshInParallel(first.refreshToken)) as [AuthPayload];
    expect(await storedSessionIds(app, first.user.id)).toEqual([sessionIdOf(first.refreshToken)]);
    expect(await storedSession(app, sessionIdOf(successor))).toEqual({ currentHash: hashRefreshToken(successor), previousHash: hashRefreshToken(first.refreshToken) });
    const next = await refreshed(app, successor);
    expect(next.refreshToken).not.toBe(successor);
    expect(await loginState(app, next.accessToken)).toBe('AUTHENTICATED');
    expect(await storedSessionIds(app, first.user.id)).toEqual([sessionIdOf(first.refreshToken)]);
  });

  it('still answers the original token with the same successor inside REFRESH_REUSE_GRACE, and as reuse after it, revoking the session', async () => {
    const first = await signUp(app);
    const pairs = await refreshInParallel(first.refreshToken);
    const successor = pairs[0]!.refreshToken;
    expect((await refreshed(app, first.refreshToken)).refreshToken).toBe(successor);

    app.clock.advance(PAST_GRACE);
    expect(errorCode(await refresh(app, first.refreshToken))).toBe('REFRESH_TOKEN_REUSED');
    expect(errorCode(await refresh(app, successor))).toBe('INVALID_REFRESH_TOKEN');
    const states = await Promise.all([first, ...pairs].map((pair) => loginState(app, pair.accessToken)));
    expect(states).toEqual(Array(PARALLEL + 1).fill('SESSION_REVOKED'));
    expect(await storedSessionIds(app, first.user.id)).toEqual([]);
  });

  it('lets a client that retries after a lost response still get in', async () => {
    const first = await signUp(app);
    await refreshed(app, first.refreshToken); // the answer never reached the client
    app.clock.advance(2_000);
    const retried = await refreshed(app, first.refreshToken);
    expect(await loginState(app, retried.accessToken)).toBe('AUTHENTICATED');
    const next = await refreshed(app, retried.refreshToken);
    expect(await loginState(app, next.accessToken)).toBe('AUTHENTICATED');
    expect(await storedSessionIds(app, first.user.id)).toEqual([sessionIdOf(first.refreshToken)]);
  });

  it('gives the retry the very successor the lost response carried', async () => {
    const first = await signUp(app);
    const lost = await refreshed(app, first.refreshToken);
    const retried = await refreshed(app, first.refreshToken);
    expect(retried.refreshToken).toBe(lost.refreshToken);
    expect(await storedSession(app, sessionIdOf(first.refreshToken))).toEqual({
      currentHash: hashRefreshToken(lost.refreshToken),
      previousHash: hashRefreshToken(first.refreshToken),
    });
  });
});
