import { loginState, sessionIdOf, signUp } from '../helpers/accounts.js';
import { withinOneSecond } from '../helpers/eventually.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Review items 12 and 13: a revoked session may not outlive a lost announcement by more than the
 * contract's second, and a disabled user's tokens are refused even when ending their sessions failed.
 */

describe('revocation holds on its own (PostgreSQL sessions)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({}, { store: 'postgres' });
  });
  afterAll(() => app?.close());

  it('a session removed without its announcement (lost on the way) → SESSION_REVOKED once a second has passed', async () => {
    const pair = await signUp(app);
    expect(await loginState(app, pair.accessToken)).toBe('AUTHENTICATED');
    // The feed stays up; only this one announcement never arrives.
    await app.sql('alter table sessions disable trigger user');
    try {
      await app.sql('delete from sessions where id = $1', [sessionIdOf(pair.refreshToken)]);
    } finally {
      await app.sql('alter table sessions enable trigger user');
    }
    app.clock.advance(1_001);
    expect(await loginState(app, pair.accessToken)).toBe('SESSION_REVOKED');
  });

  it('a user disabled while their sessions stay (ending them failed) → their access tokens read SESSION_REVOKED within a second', async () => {
    const pair = await signUp(app);
    expect(await loginState(app, pair.accessToken)).toBe('AUTHENTICATED');
    await app.sql('update users set disabled_at = now() where id = $1', [pair.user.id]);
    expect(await withinOneSecond(() => loginState(app, pair.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
  });
});
