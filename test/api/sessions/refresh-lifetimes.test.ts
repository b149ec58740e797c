import { loginState, refresh, refreshed, signUp } from '../../helpers/accounts.js';
import { errorCode } from '../../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { TestClock } from '../../helpers/test-clock.js';

const MINUTE = 60_000;

describe.each(['redis', 'postgres'] as const)('session lifetimes (%s session store)', (store) => {
  describe('REFRESH_TOKEN_TTL', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp({ REFRESH_TOKEN_TTL: '1h' }, { store });
    });
    afterAll(() => app?.close());

    it('ends the session REFRESH_TOKEN_TTL after sign-in, however recently it was rotated', async () => {
      const first = await signUp(app);
      expect(first.refreshExpiresIn).toBe(3_600);
      app.clock.advance(50 * MINUTE);
      const second = await refreshed(app, first.refreshToken);
      expect(second.refreshExpiresIn).toBe(600);
      app.clock.advance(11 * MINUTE);
      // The access token from minute 50 is unexpired, but its session is over.
      expect(await loginState(app, second.accessToken)).toBe('SESSION_REVOKED');
      expect(errorCode(await refresh(app, second.refreshToken))).toBe('REFRESH_TOKEN_EXPIRED');
    });
  });

  describe('server-side expiry override', () => {
    it('applies a REFRESH_TOKEN_TTL shortened across a restart to sessions already issued, without reissuing tokens', async () => {
      const clock = new TestClock();
      const before = await createTestApp({ REFRESH_TOKEN_TTL: '14d' }, { store, clock });
      const issued = await signUp(before).finally(() => before.close());
      expect(issued.refreshExpiresIn).toBe(14 * 86_400);

      const after = await createTestApp({ REFRESH_TOKEN_TTL: '1h' }, { store, databaseUrl: before.databaseUrl, redisPrefix: before.redisPrefix, clock });
      try {
        clock.advance(50 * MINUTE);
        const rotated = await refreshed(after, issued.refreshToken);
        // Counted from the session's creation under the new setting: 10 minutes left, not 14 days.
        expect(rotated.refreshExpiresIn).toBe(600);
        clock.advance(12 * MINUTE);
        expect(await loginState(after, rotated.accessToken)).toBe('SESSION_REVOKED');
        clock.advance(58 * MINUTE);
        expect(errorCode(await refresh(after, rotated.refreshToken))).toBe('REFRESH_TOKEN_EXPIRED');
      } finally {
        await after.close();
      }
    });

    it('ends a session issued under a longer REFRESH_TOKEN_TTL once the shorter one has passed, even if never refreshed', async () => {
      const clock = new TestClock();
      const before = await createTestApp({ REFRESH_TOKEN_TTL: '14d' }, { store, clock });
      const issued = await signUp(before).finally(() => before.close());
      const after = await createTestApp({ REFRESH_TOKEN_TTL: '1h' }, { store, databaseUrl: before.databaseUrl, redisPrefix: before.redisPrefix, clock });
      try {
        clock.advance(2 * 60 * MINUTE);
        expect(errorCode(await refresh(after, issued.refreshToken))).toBe('REFRESH_TOKEN_EXPIRED');
      } finally {
        await after.close();
      }
    });
  });

  describe('SESSION_IDLE_TTL', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp({ SESSION_IDLE_TTL: '30m' }, { store });
    });
    afterAll(() => app?.close());

    it('ends a session left unused longer than SESSION_IDLE_TTL with REFRESH_TOKEN_EXPIRED', async () => {
      const first = await signUp(app);
      expect(first.refreshExpiresIn).toBe(1_800);
      app.clock.advance(31 * MINUTE);
      expect(errorCode(await refresh(app, first.refreshToken))).toBe('REFRESH_TOKEN_EXPIRED');
    });

    it('keeps a session that refreshes every 20 minutes alive past SESSION_IDLE_TTL', async () => {
      let pair = await signUp(app);
      for (let round = 0; round < 3; round += 1) {
        app.clock.advance(20 * MINUTE);
        pair = await refreshed(app, pair.refreshToken);
        expect(pair.refreshExpiresIn).toBe(1_800);
      }
      expect(await loginState(app, pair.accessToken)).toBe('AUTHENTICATED');
    });
  });
});
