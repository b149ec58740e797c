import { listedSessionIds, loginState, revokeSession, sessionIdOf, signedIn, signUp, storedSessionIds } from '../../helpers/accounts.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const MINUTE = 60_000;

describe.each(['redis', 'postgres'] as const)('revokeSession: which ids name a session of mine (%s session store)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ SESSION_IDLE_TTL: '30m' }, { store });
  });
  afterAll(() => app?.close());

  it('answers false for one of my sessions that has already ended (idle timeout), as logout does for an ended session', async () => {
    const idle = await signUp(app);
    app.clock.advance(20 * MINUTE);
    const active = await signedIn(app, idle.user.email!);
    app.clock.advance(11 * MINUTE);
    expect(await listedSessionIds(app, active.accessToken)).toEqual([sessionIdOf(active.refreshToken)]);
    const response = await revokeSession(app, active.accessToken, sessionIdOf(idle.refreshToken));
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ revokeSession: false });
    expect(await loginState(app, active.accessToken)).toBe('AUTHENTICATED');
  });

  it('takes a session id in upper case for the same session (UUIDs are case-insensitive), answering true and revoking it at once', async () => {
    const laptop = await signUp(app);
    const phone = await signedIn(app, laptop.user.email!);
    expect(await loginState(app, phone.accessToken)).toBe('AUTHENTICATED');
    const response = await revokeSession(app, laptop.accessToken, sessionIdOf(phone.refreshToken).toUpperCase());
    expect(response.data).toEqual({ revokeSession: true });
    expect(await loginState(app, phone.accessToken)).toBe('SESSION_REVOKED');
    expect(await storedSessionIds(app, laptop.user.id)).toEqual([sessionIdOf(laptop.refreshToken)]);
  });
});
