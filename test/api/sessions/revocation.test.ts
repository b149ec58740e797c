import { loginState, refresh, revokeSession, sessionIdOf, signedIn, signUp, storedSessionIds } from '../../helpers/accounts.js';
import { withinOneSecond } from '../../helpers/eventually.js';
import { errorCode } from '../../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

describe.each(['redis', 'postgres'] as const)('revocation reaches access tokens (%s session store)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({}, { store });
  });
  afterAll(() => app?.close());

  const revokedWithinOneSecond = (gateway: TestApp, accessToken: string) =>
    withinOneSecond(() => loginState(gateway, accessToken), (state) => state === 'SESSION_REVOKED');

  describe('deleting a user\'s row with SQL', () => {
    it('revokes their sessions within one second, whether or not their access tokens were used before', async () => {
      const used = await signUp(app);
      const unused = await signedIn(app, used.user.email!);
      expect(await loginState(app, used.accessToken)).toBe('AUTHENTICATED');
      await app.sql('delete from users where id = $1', [used.user.id]);
      expect(await revokedWithinOneSecond(app, used.accessToken)).toBe('SESSION_REVOKED');
      expect(await revokedWithinOneSecond(app, unused.accessToken)).toBe('SESSION_REVOKED');
    });

    it('removes their stored sessions within one second, and their refresh tokens are refused', async () => {
      const first = await signUp(app);
      const second = await signedIn(app, first.user.email!);
      expect(await storedSessionIds(app, first.user.id)).toHaveLength(2);
      await app.sql('delete from users where id = $1', [first.user.id]);
      expect(await withinOneSecond(() => storedSessionIds(app, first.user.id), (ids) => ids.length === 0)).toEqual([]);
      for (const pair of [first, second]) expect(errorCode(await refresh(app, pair.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    });

    it('leaves other users\' sessions alone', async () => {
      const doomed = await signUp(app);
      const bystander = await signUp(app);
      expect(await loginState(app, bystander.accessToken)).toBe('AUTHENTICATED');
      await app.sql('delete from users where id = $1', [doomed.user.id]);
      expect(await revokedWithinOneSecond(app, doomed.accessToken)).toBe('SESSION_REVOKED');
      expect(await loginState(app, bystander.accessToken)).toBe('AUTHENTICATED');
      expect(await storedSessionIds(app, bystander.user.id)).toEqual([sessionIdOf(bystander.refreshToken)]);
    });
  });

  it('makes a revokeSession seen by another instance sharing the stores within one second', async () => {
    const peer = await createTestApp({}, { store, databaseUrl: app.databaseUrl, redisPrefix: app.redisPrefix, clock: app.clock });
    try {
      const laptop = await signUp(app);
      const phone = await signedIn(app, laptop.user.email!);
      expect(await loginState(peer, phone.accessToken)).toBe('AUTHENTICATED');
      expect((await revokeSession(app, laptop.accessToken, sessionIdOf(phone.refreshToken))).data).toEqual({ revokeSession: true });
      expect(await revokedWithinOneSecond(peer, phone.accessToken)).toBe('SESSION_REVOKED');
      expect(await loginState(peer, laptop.accessToken)).toBe('AUTHENTICATED');
    } finally {
      await peer.close();
    }
  });

  // Only PostgreSQL announces a deletion made behind the gateway's back (a trigger); the Redis
  // store announces only what the gateway's own scripts remove.
  if (store === 'postgres') {
    it('sees a session row deleted with SQL as SESSION_REVOKED within one second, though it was cached as live', async () => {
      const pair = await signUp(app);
      const other = await signedIn(app, pair.user.email!);
      expect(await loginState(app, pair.accessToken)).toBe('AUTHENTICATED');
      await app.sql('delete from sessions where id = $1', [sessionIdOf(pair.refreshToken)]);
      expect(await revokedWithinOneSecond(app, pair.accessToken)).toBe('SESSION_REVOKED');
      expect(errorCode(await refresh(app, pair.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
      expect(await loginState(app, other.accessToken)).toBe('AUTHENTICATED');
    });
  }
});
