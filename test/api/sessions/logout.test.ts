import { randomBytes, randomUUID } from 'node:crypto';
import { loginState, PASSWORD, refresh, refreshed, sessionIdOf, signIn, signUp, storedSession, storedSessionIds } from '../../helpers/accounts.js';
import { withinOneSecond } from '../../helpers/eventually.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const LOGOUT = 'mutation($refreshToken: String, $allDevices: Boolean) { logout(refreshToken: $refreshToken, allDevices: $allDevices) }';

function logout(app: TestApp, args: { refreshToken?: string; allDevices?: boolean } = {}, headers?: Record<string, string>) {
  return app.gql<{ logout: boolean }>(LOGOUT, args, headers);
}

/** A second session of the same user. */
async function signInAgain(app: TestApp, email: string) {
  return (await signIn(app, email, PASSWORD)).data!.signIn;
}

describe.each(['redis', 'postgres'] as const)('logout (%s session store)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({}, { store });
  });
  afterAll(() => app?.close());

  describe('with a valid access token', () => {
    it('ends that session and answers true: the access token reads SESSION_REVOKED and the refresh token is refused', async () => {
      const pair = await signUp(app);
      const response = await logout(app, {}, bearer(pair.accessToken));
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({ logout: true });
      expect(await loginState(app, pair.accessToken)).toBe('SESSION_REVOKED');
      expect(errorCode(await refresh(app, pair.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    });

    it('makes me answer UNAUTHENTICATED with loginState SESSION_REVOKED for that access token', async () => {
      const pair = await signUp(app);
      await logout(app, {}, bearer(pair.accessToken));
      const me = await app.gql<{ me: { id: string } | null }>('{ me { id } }', undefined, bearer(pair.accessToken));
      expect(me.errors).toHaveLength(1);
      expect(me.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', loginState: 'SESSION_REVOKED' });
      expect(me.data?.me ?? null).toBeNull();
    });

    it('answers false to a second logout with the same, now revoked, access token', async () => {
      const pair = await signUp(app);
      expect((await logout(app, {}, bearer(pair.accessToken))).data).toEqual({ logout: true });
      expect((await logout(app, {}, bearer(pair.accessToken))).data).toEqual({ logout: false });
    });

    it('removes only that session from the store', async () => {
      const first = await signUp(app);
      const second = await signInAgain(app, first.user.email!);
      await logout(app, {}, bearer(first.accessToken));
      expect(await storedSession(app, sessionIdOf(first.refreshToken))).toBeNull();
      expect(await storedSessionIds(app, first.user.id)).toEqual([sessionIdOf(second.refreshToken)]);
      expect(await loginState(app, second.accessToken)).toBe('AUTHENTICATED');
    });

    it('with allDevices: true ends every session of the caller and no one else\'s', async () => {
      const first = await signUp(app);
      const second = await signInAgain(app, first.user.email!);
      const stranger = await signUp(app);
      const response = await logout(app, { allDevices: true }, bearer(first.accessToken));
      expect(response.data).toEqual({ logout: true });
      for (const pair of [first, second]) {
        expect(await loginState(app, pair.accessToken)).toBe('SESSION_REVOKED');
        expect(errorCode(await refresh(app, pair.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
      }
      expect(await storedSessionIds(app, first.user.id)).toEqual([]);
      expect(await loginState(app, stranger.accessToken)).toBe('AUTHENTICATED');
      expect(await refreshed(app, stranger.refreshToken)).toMatchObject({ user: { id: stranger.user.id } });
    });
  });

  describe('with a refresh token instead', () => {
    it('ends the session of the refreshToken given when there is no access token, and answers true', async () => {
      const pair = await signUp(app);
      expect((await logout(app, { refreshToken: pair.refreshToken })).data).toEqual({ logout: true });
      expect(errorCode(await refresh(app, pair.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
      expect(await loginState(app, pair.accessToken)).toBe('SESSION_REVOKED');
      expect(await storedSession(app, sessionIdOf(pair.refreshToken))).toBeNull();
    });

    it('ends the session of the refreshToken given when the access token has expired', async () => {
      const pair = await signUp(app);
      app.clock.advance(16 * 60_000);
      expect(await loginState(app, pair.accessToken)).toBe('TOKEN_EXPIRED');
      expect((await logout(app, { refreshToken: pair.refreshToken }, bearer(pair.accessToken))).data).toEqual({ logout: true });
      expect(errorCode(await refresh(app, pair.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    });

    it('answers false for an unknown or already logged-out refresh token', async () => {
      const unknown = `${randomUUID()}.${randomUUID()}.${randomBytes(32).toString('base64url')}`;
      expect((await logout(app, { refreshToken: unknown })).data).toEqual({ logout: false });
      expect((await logout(app, { refreshToken: 'not-a-refresh-token' })).data).toEqual({ logout: false });
      const pair = await signUp(app);
      await logout(app, { refreshToken: pair.refreshToken });
      expect((await logout(app, { refreshToken: pair.refreshToken })).data).toEqual({ logout: false });
    });

    it('answers false for the refresh token of a session that has already expired, and removes it', async () => {
      const pair = await signUp(app);
      app.clock.advance(15 * 86_400_000);
      expect((await logout(app, { refreshToken: pair.refreshToken })).data).toEqual({ logout: false });
      expect(await storedSession(app, sessionIdOf(pair.refreshToken))).toBeNull();
    });
  });

  it('revokes the access token on every instance that shares the session store, within one second', async () => {
    const peer = await createTestApp({}, { store, databaseUrl: app.databaseUrl, redisPrefix: app.redisPrefix, clock: app.clock });
    try {
      const pair = await signUp(app);
      expect(await loginState(peer, pair.accessToken)).toBe('AUTHENTICATED');
      expect((await logout(app, {}, bearer(pair.accessToken))).data).toEqual({ logout: true });
      // The peer remembered the session as live; the revocation announcement reaches it shortly.
      expect(await withinOneSecond(() => loginState(peer, pair.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
      expect(errorCode(await refresh(peer, pair.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    } finally {
      await peer.close();
    }
  });

  it('answers UNAUTHENTICATED with loginState AUTHORIZATION_NOT_FOUND without an Authorization header or a refreshToken', async () => {
    const response = await logout(app);
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', loginState: 'AUTHORIZATION_NOT_FOUND' });
  });
});

describe('the Redis session store', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({}, { store: 'redis' });
  });
  afterAll(() => app?.close());

  it('puts a TTL on every key the gateway writes', async () => {
    const first = await signUp(app);
    const second = await signInAgain(app, first.user.email!);
    await refreshed(app, first.refreshToken);
    await logout(app, {}, bearer(second.accessToken));
    const other = await signUp(app);
    await logout(app, { allDevices: true }, bearer(other.accessToken));
    await signUp(app);

    const redis = app.redis();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${app.redisPrefix}*`, 'COUNT', 100);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    expect(keys.length).toBeGreaterThan(0);
    const ttls = await Promise.all(keys.map(async (key) => [key, await redis.pttl(key)] as const));
    expect(ttls.filter(([, ttl]) => ttl <= 0)).toEqual([]);
  });
});
