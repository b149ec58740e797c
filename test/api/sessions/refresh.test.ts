import { randomBytes, randomUUID } from 'node:crypto';
import { hashRefreshToken } from '../../../src/services/refresh-tokens.js';
import { type AuthPayload, loginState, refresh, refreshed, sessionIdOf, signUp, storedSession, storedSessionIds } from '../../helpers/accounts.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const FOURTEEN_DAYS = 14 * 86_400;
const HOUR = 3_600_000;
const MINUTE = 60_000;

const secret = () => randomBytes(32).toString('base64url');

describe.each(['redis', 'postgres'] as const)('refresh (%s session store)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({}, { store });
  });
  afterAll(() => app?.close());

  /** The token was never rotated: it is still the session's only hash. */
  async function expectStillLive(pair: AuthPayload): Promise<void> {
    expect(await storedSession(app, sessionIdOf(pair.refreshToken))).toEqual({ currentHash: hashRefreshToken(pair.refreshToken), previousHash: null });
    const next = await refreshed(app, pair.refreshToken);
    expect(await storedSession(app, sessionIdOf(pair.refreshToken))).toEqual({
      currentHash: hashRefreshToken(next.refreshToken),
      previousHash: hashRefreshToken(pair.refreshToken),
    });
  }

  describe('rotation', () => {
    it('returns a new pair for the same session: a different refresh token and an AUTHENTICATED access token', async () => {
      const first = await signUp(app);
      const second = await refreshed(app, first.refreshToken);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect(sessionIdOf(second.refreshToken)).toBe(sessionIdOf(first.refreshToken));
      expect(second.accessToken).not.toBe(first.accessToken);
      expect(second).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, isNewUser: false, user: { id: first.user.id, email: first.user.email } });
      expect(await loginState(app, second.accessToken)).toBe('AUTHENTICATED');
    });

    it('counts refreshExpiresIn down from the session\'s creation; rotating does not reset it', async () => {
      const first = await signUp(app);
      expect(first.refreshExpiresIn).toBe(FOURTEEN_DAYS);
      app.clock.advance(HOUR);
      const second = await refreshed(app, first.refreshToken);
      expect(second.refreshExpiresIn).toBe(FOURTEEN_DAYS - 3_600);
      app.clock.advance(HOUR);
      const third = await refreshed(app, second.refreshToken);
      expect(third.refreshExpiresIn).toBe(FOURTEEN_DAYS - 7_200);
    });

    it('stores one live hash, the new token\'s, keeping the rotated-out one only as previous and no token in clear', async () => {
      const first = await signUp(app);
      const second = await refreshed(app, first.refreshToken);
      const sessionId = sessionIdOf(first.refreshToken);
      const stored = await storedSession(app, sessionId);
      expect(stored).toEqual({ currentHash: hashRefreshToken(second.refreshToken), previousHash: hashRefreshToken(first.refreshToken) });
      expect(JSON.stringify(stored)).not.toContain(second.refreshToken.split('.')[2]);
      expect(await storedSessionIds(app, first.user.id)).toEqual([sessionId]);
    });

    it('answers a rotated-out token presented again within REFRESH_REUSE_GRACE with the same successor (concurrent tabs)', async () => {
      const first = await signUp(app);
      const second = await refreshed(app, first.refreshToken);
      const again = await refreshed(app, first.refreshToken);
      expect(again.refreshToken).toBe(second.refreshToken);
      expect(await loginState(app, again.accessToken)).toBe('AUTHENTICATED');
      expect(await storedSession(app, sessionIdOf(first.refreshToken))).toEqual({
        currentHash: hashRefreshToken(second.refreshToken),
        previousHash: hashRefreshToken(first.refreshToken),
      });
      const third = await refreshed(app, second.refreshToken);
      expect(third.refreshToken).not.toBe(second.refreshToken);
    });

    it('gives 10 parallel refreshes with one token the same new refresh token', async () => {
      const first = await signUp(app);
      const results = await Promise.all(Array.from({ length: 10 }, () => refresh(app, first.refreshToken)));
      expect(results.map((result) => result.errors)).toEqual(Array(10).fill(undefined));
      const tokens = new Set(results.map((result) => result.data!.refresh.refreshToken));
      expect(tokens.size).toBe(1);
      const [successor] = [...tokens] as [string];
      expect(successor).not.toBe(first.refreshToken);
      expect(await storedSession(app, sessionIdOf(successor))).toEqual({ currentHash: hashRefreshToken(successor), previousHash: hashRefreshToken(first.refreshToken) });
      expect(await loginState(app, results[9]!.data!.refresh.accessToken)).toBe('AUTHENTICATED');
    });
  });

  describe('tokens it does not know', () => {
    it.each([
      ['an empty string', () => ''],
      ['a malformed token', () => 'not-a-refresh-token'],
      ['a token with a short secret', () => `${randomUUID()}.${randomUUID()}.abc`],
      ['a well-formed token of an unknown session', () => `${randomUUID()}.${randomUUID()}.${secret()}`],
    ])('answers INVALID_REFRESH_TOKEN for %s', async (_name, token) => {
      expect(errorCode(await refresh(app, token()))).toBe('INVALID_REFRESH_TOKEN');
    });

    it('answers INVALID_REFRESH_TOKEN for an access token presented as a refresh token', async () => {
      const { accessToken } = await signUp(app);
      expect(errorCode(await refresh(app, accessToken))).toBe('INVALID_REFRESH_TOKEN');
    });

    it('answers INVALID_REFRESH_TOKEN for a real session id with a random secret, and leaves the session working', async () => {
      const pair = await signUp(app);
      const response = await refresh(app, `${pair.user.id}.${sessionIdOf(pair.refreshToken)}.${secret()}`);
      expect(errorCode(response)).toBe('INVALID_REFRESH_TOKEN');
      expect(await loginState(app, pair.accessToken)).toBe('AUTHENTICATED');
      await expectStillLive(pair);
    });
  });

  describe('refresh binding', () => {
    it('fails with TOKEN_MISMATCH and rotates nothing when the Authorization header carries another user\'s access token', async () => {
      const a = await signUp(app);
      const b = await signUp(app);
      const response = await refresh(app, a.refreshToken, bearer(b.accessToken));
      expect(errorCode(response)).toBe('TOKEN_MISMATCH');
      expect(response.data).toBeNull();
      await expectStillLive(a);
    });

    it('fails with TOKEN_MISMATCH and rotates nothing when that other user\'s access token has expired', async () => {
      const a = await signUp(app);
      const b = await signUp(app);
      app.clock.advance(16 * MINUTE);
      expect(await loginState(app, b.accessToken)).toBe('TOKEN_EXPIRED');
      const response = await refresh(app, a.refreshToken, bearer(b.accessToken));
      expect(errorCode(response)).toBe('TOKEN_MISMATCH');
      await expectStillLive(a);
    });

    it('accepts an Authorization header of the same user, expired or not', async () => {
      const a = await signUp(app);
      const second = await refreshed(app, a.refreshToken, bearer(a.accessToken));
      app.clock.advance(16 * MINUTE);
      expect(await loginState(app, a.accessToken)).toBe('TOKEN_EXPIRED');
      const third = await refreshed(app, second.refreshToken, bearer(a.accessToken));
      expect(await loginState(app, third.accessToken)).toBe('AUTHENTICATED');
    });
  });
});
