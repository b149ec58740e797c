import { randomUUID } from 'node:crypto';
import { listedSessionIds, loginState, refresh, refreshed, revokeSession, sessionIdOf, sessions, signedIn, signUp, storedSessionIds } from '../../helpers/accounts.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

describe.each(['redis', 'postgres'] as const)('revokeSession (%s session store)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({}, { store });
  });
  afterAll(() => app?.close());

  it('revokes one of my other sessions and answers true: its refresh token is refused and its access token reads SESSION_REVOKED at once', async () => {
    const laptop = await signUp(app);
    const phone = await signedIn(app, laptop.user.email!);
    expect(await loginState(app, phone.accessToken)).toBe('AUTHENTICATED');
    const response = await revokeSession(app, laptop.accessToken, sessionIdOf(phone.refreshToken));
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ revokeSession: true });
    expect(await loginState(app, phone.accessToken)).toBe('SESSION_REVOKED');
    expect(errorCode(await refresh(app, phone.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
  });

  it('leaves my other sessions working, listed and stored', async () => {
    const laptop = await signUp(app);
    const phone = await signedIn(app, laptop.user.email!);
    await revokeSession(app, laptop.accessToken, sessionIdOf(phone.refreshToken));
    expect(await loginState(app, laptop.accessToken)).toBe('AUTHENTICATED');
    expect(await listedSessionIds(app, laptop.accessToken)).toEqual([sessionIdOf(laptop.refreshToken)]);
    expect(await storedSessionIds(app, laptop.user.id)).toEqual([sessionIdOf(laptop.refreshToken)]);
    expect(await refreshed(app, laptop.refreshToken)).toMatchObject({ user: { id: laptop.user.id } });
  });

  it('answers false when the session was already revoked', async () => {
    const laptop = await signUp(app);
    const phone = await signedIn(app, laptop.user.email!);
    const id = sessionIdOf(phone.refreshToken);
    expect((await revokeSession(app, laptop.accessToken, id)).data).toEqual({ revokeSession: true });
    expect((await revokeSession(app, laptop.accessToken, id)).data).toEqual({ revokeSession: false });
  });

  it('answers false for another user\'s session id and leaves that session untouched', async () => {
    const me = await signUp(app);
    const stranger = await signUp(app);
    const strangerSession = sessionIdOf(stranger.refreshToken);
    const response = await revokeSession(app, me.accessToken, strangerSession);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ revokeSession: false });
    expect(await storedSessionIds(app, stranger.user.id)).toEqual([strangerSession]);
    expect(await loginState(app, stranger.accessToken)).toBe('AUTHENTICATED');
    expect(await listedSessionIds(app, stranger.accessToken)).toEqual([strangerSession]);
    expect(await refreshed(app, stranger.refreshToken)).toMatchObject({ user: { id: stranger.user.id } });
  });

  it.each([
    ['an unknown uuid', () => randomUUID()],
    ['a string that is not a uuid', () => 'not-a-session-id'],
    ['an empty string', () => ''],
  ])('answers false, without an error, for %s', async (_name, id) => {
    const me = await signUp(app);
    const response = await revokeSession(app, me.accessToken, id());
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ revokeSession: false });
    expect(await loginState(app, me.accessToken)).toBe('AUTHENTICATED');
  });

  it('may revoke the current session: answers true, and the access token that asked reads SESSION_REVOKED', async () => {
    const me = await signUp(app);
    expect((await revokeSession(app, me.accessToken, sessionIdOf(me.refreshToken))).data).toEqual({ revokeSession: true });
    expect(await loginState(app, me.accessToken)).toBe('SESSION_REVOKED');
    expect(errorCode(await refresh(app, me.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    expect(await storedSessionIds(app, me.user.id)).toEqual([]);
  });

  it('answers UNAUTHENTICATED with loginState, and revokes nothing, without a live session', async () => {
    const laptop = await signUp(app);
    const phone = await signedIn(app, laptop.user.email!);
    const anonymous = await app.gql('mutation($id: ID!) { revokeSession(id: $id) }', { id: sessionIdOf(phone.refreshToken) });
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
    expect(anonymous.errors![0]!.extensions).toMatchObject({ loginState: 'AUTHORIZATION_NOT_FOUND' });
    await revokeSession(app, laptop.accessToken, sessionIdOf(laptop.refreshToken));
    const revoked = await revokeSession(app, laptop.accessToken, sessionIdOf(phone.refreshToken));
    expect(errorCode(revoked)).toBe('UNAUTHENTICATED');
    expect(revoked.errors![0]!.extensions).toMatchObject({ loginState: 'SESSION_REVOKED' });
    expect(await loginState(app, phone.accessToken)).toBe('AUTHENTICATED');
    expect(await storedSessionIds(app, laptop.user.id)).toEqual([sessionIdOf(phone.refreshToken)]);
  });
});

describe.each(['redis', 'postgres'] as const)('logout(allDevices: true) (%s session store)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({}, { store });
  });
  afterAll(() => app?.close());

  it('revokes every session of mine: each access token reads SESSION_REVOKED, each refresh token is refused, sessions can no longer be asked', async () => {
    const first = await signUp(app);
    const others = [await signedIn(app, first.user.email!), await signedIn(app, first.user.email!)];
    const stranger = await signUp(app);
    const response = await app.gql('mutation { logout(allDevices: true) }', undefined, bearer(first.accessToken));
    expect(response.data).toEqual({ logout: true });
    for (const pair of [first, ...others]) {
      expect(await loginState(app, pair.accessToken)).toBe('SESSION_REVOKED');
      expect(errorCode(await refresh(app, pair.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
      const listing = await sessions(app, pair.accessToken);
      expect(errorCode(listing)).toBe('UNAUTHENTICATED');
      expect(listing.errors![0]!.extensions).toMatchObject({ loginState: 'SESSION_REVOKED' });
    }
    expect(await storedSessionIds(app, first.user.id)).toEqual([]);
    expect(await listedSessionIds(app, stranger.accessToken)).toEqual([sessionIdOf(stranger.refreshToken)]);
    expect(await refreshed(app, stranger.refreshToken)).toMatchObject({ user: { id: stranger.user.id } });
  });
});
