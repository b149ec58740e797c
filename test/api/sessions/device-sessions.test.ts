import { decodeJwt } from 'jose';
import { listedSessionIds, listedSessions, loginState, refreshed, sessionIdOf, sessions, signedIn, signUp } from '../../helpers/accounts.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const MINUTE = 60_000;
const FOURTEEN_DAYS = 14 * 86_400_000;

describe.each(['redis', 'postgres'] as const)('sessions query (%s session store)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({}, { store });
  });
  afterAll(() => app?.close());

  it('lists the caller\'s sessions, most recently used first, with current true only for the session that asked', async () => {
    const first = await signUp(app);
    app.clock.advance(MINUTE);
    const second = await signedIn(app, first.user.email!);
    app.clock.advance(MINUTE);
    const third = await signedIn(app, first.user.email!);
    app.clock.advance(MINUTE);
    const firstAgain = await refreshed(app, first.refreshToken);
    const [one, two, three] = [first, second, third].map((pair) => sessionIdOf(pair.refreshToken));

    const asked = await listedSessions(app, second.accessToken);
    expect(asked.map((session) => session.id)).toEqual([one, three, two]);
    expect(asked.map((session) => session.current)).toEqual([false, false, true]);
    const askedAgain = await listedSessions(app, firstAgain.accessToken);
    expect(askedAgain.map((session) => [session.id, session.current])).toEqual([[one, true], [three, false], [two, false]]);
  });

  it('lists each session under the id its access tokens carry as sid', async () => {
    const pair = await signUp(app);
    const [session] = await listedSessions(app, pair.accessToken);
    expect(session!.id).toBe(decodeJwt(pair.accessToken).sid);
    expect(session!.id).toBe(sessionIdOf(pair.refreshToken));
  });

  it('gives createdAt, lastUsedAt and expiresAt as ISO strings; expiresAt is createdAt + REFRESH_TOKEN_TTL', async () => {
    const signedUpAt = app.clock.now();
    const pair = await signUp(app);
    const [session] = await listedSessions(app, pair.accessToken);
    for (const field of ['createdAt', 'lastUsedAt', 'expiresAt'] as const) expect(new Date(session![field]).toISOString()).toBe(session![field]);
    const createdAt = Date.parse(session!.createdAt);
    expect(createdAt).toBe(signedUpAt);
    expect(session!.lastUsedAt).toBe(session!.createdAt);
    expect(Date.parse(session!.expiresAt) - createdAt).toBe(FOURTEEN_DAYS);
  });

  it('moves lastUsedAt to the time of a refresh and keeps createdAt and expiresAt', async () => {
    const pair = await signUp(app);
    const [before] = await listedSessions(app, pair.accessToken);
    app.clock.advance(5 * MINUTE);
    const refreshedAt = app.clock.now();
    const next = await refreshed(app, pair.refreshToken);
    const [after] = await listedSessions(app, next.accessToken);
    expect(after).toMatchObject({ id: before!.id, createdAt: before!.createdAt, expiresAt: before!.expiresAt });
    expect(Date.parse(after!.lastUsedAt)).toBe(refreshedAt);
    expect(Date.parse(after!.lastUsedAt) - Date.parse(before!.lastUsedAt)).toBe(5 * MINUTE);
  });

  it('never lists another user\'s sessions', async () => {
    const mine = await signUp(app);
    const theirs = await signUp(app);
    const theirSecond = await signedIn(app, theirs.user.email!);
    expect(await listedSessionIds(app, mine.accessToken)).toEqual([sessionIdOf(mine.refreshToken)]);
    expect((await listedSessionIds(app, theirs.accessToken)).sort()).toEqual([sessionIdOf(theirs.refreshToken), sessionIdOf(theirSecond.refreshToken)].sort());
  });

  describe('answers UNAUTHENTICATED with extensions.loginState', () => {
    it('AUTHORIZATION_NOT_FOUND without an Authorization header', async () => {
      const response = await app.gql('{ sessions { id } }');
      expect(errorCode(response)).toBe('UNAUTHENTICATED');
      expect(response.errors![0]!.extensions).toMatchObject({ loginState: 'AUTHORIZATION_NOT_FOUND' });
      expect(response.data).toBeNull();
    });

    it('TOKEN_INVALID for a refresh token presented as the access token', async () => {
      const pair = await signUp(app);
      const response = await app.gql('{ sessions { id } }', undefined, bearer(pair.refreshToken));
      expect(response.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', loginState: 'TOKEN_INVALID' });
    });

    it('TOKEN_EXPIRED for an access token past its exp', async () => {
      const pair = await signUp(app);
      app.clock.advance(16 * MINUTE);
      expect(await loginState(app, pair.accessToken)).toBe('TOKEN_EXPIRED');
      const response = await sessions(app, pair.accessToken);
      expect(response.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', loginState: 'TOKEN_EXPIRED' });
    });

    it('SESSION_REVOKED after that session logged out', async () => {
      const pair = await signUp(app);
      expect((await app.gql('mutation { logout }', undefined, bearer(pair.accessToken))).data).toEqual({ logout: true });
      const response = await sessions(app, pair.accessToken);
      expect(errorCode(response)).toBe('UNAUTHENTICATED');
      expect(response.errors![0]!.extensions).toMatchObject({ loginState: 'SESSION_REVOKED' });
    });
  });
});
