import { loginState, PASSWORD, refresh, refreshed, sessionIdOf, signIn, signUp, storedSession } from '../../helpers/accounts.js';
import { errorCode } from '../../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const PAST_GRACE = 3_000;

describe.each(['redis', 'postgres'] as const)('refresh-token reuse detection (%s session store)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ REFRESH_REUSE_GRACE: '2s' }, { store });
  });
  afterAll(() => app?.close());

  it('answers a rotated-out token presented after REFRESH_REUSE_GRACE with REFRESH_TOKEN_REUSED and revokes the whole session', async () => {
    const first = await signUp(app);
    const second = await refreshed(app, first.refreshToken);
    app.clock.advance(PAST_GRACE);
    expect(errorCode(await refresh(app, first.refreshToken))).toBe('REFRESH_TOKEN_REUSED');
    expect(errorCode(await refresh(app, second.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    expect(await loginState(app, second.accessToken)).toBe('SESSION_REVOKED');
    expect(await loginState(app, first.accessToken)).toBe('SESSION_REVOKED');
    expect(await storedSession(app, sessionIdOf(first.refreshToken))).toBeNull();
  });

  it('leaves the user\'s other sessions alone when it revokes one for reuse', async () => {
    const first = await signUp(app);
    const other = (await signIn(app, first.user.email!, PASSWORD)).data!.signIn;
    await refreshed(app, first.refreshToken);
    app.clock.advance(PAST_GRACE);
    expect(errorCode(await refresh(app, first.refreshToken))).toBe('REFRESH_TOKEN_REUSED');
    expect(await loginState(app, other.accessToken)).toBe('AUTHENTICATED');
    expect(await refreshed(app, other.refreshToken)).toMatchObject({ user: { id: first.user.id } });
  });

  it('also detects reuse of a token rotated out two refreshes ago', async () => {
    const first = await signUp(app);
    const second = await refreshed(app, first.refreshToken);
    const third = await refreshed(app, second.refreshToken);
    app.clock.advance(PAST_GRACE);
    expect(errorCode(await refresh(app, first.refreshToken))).toBe('REFRESH_TOKEN_REUSED');
    expect(errorCode(await refresh(app, third.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    expect(await loginState(app, third.accessToken)).toBe('SESSION_REVOKED');
  });

  it('treats a token two rotations back as reuse even inside the grace window', async () => {
    const first = await signUp(app);
    const second = await refreshed(app, first.refreshToken);
    const third = await refreshed(app, second.refreshToken);
    expect(errorCode(await refresh(app, first.refreshToken))).toBe('REFRESH_TOKEN_REUSED');
    expect(errorCode(await refresh(app, third.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
  });
});
