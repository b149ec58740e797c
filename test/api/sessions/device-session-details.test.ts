import { listedSessionIds, listedSessions, loginState, refreshed, sessionIdOf, signedIn, signUp, uniqueEmail, PASSWORD } from '../../helpers/accounts.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const MINUTE = 60_000;

describe.each(['redis', 'postgres'] as const)('what sessions tells about each session (%s session store)', (store) => {
  describe('device and address', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp({}, { store });
    });
    afterAll(() => app?.close());

    it('gives the User-Agent header sent at sign-up and at sign-in, and keeps it across refreshes', async () => {
      const phone = await signUp(app, uniqueEmail(), PASSWORD, { 'user-agent': 'Phone/1.0' });
      const laptop = await signedIn(app, phone.user.email!, { 'user-agent': 'Laptop/2.0 (X11)' });
      const next = await refreshed(app, phone.refreshToken, { 'user-agent': 'SomethingElse/3.0' });
      const byId = new Map((await listedSessions(app, next.accessToken)).map((session) => [session.id, session.userAgent]));
      expect(byId).toEqual(
        new Map([
          [sessionIdOf(phone.refreshToken), 'Phone/1.0'],
          [sessionIdOf(laptop.refreshToken), 'Laptop/2.0 (X11)'],
        ]),
      );
    });

    it('truncates a User-Agent longer than 512 characters to its first 512', async () => {
      const userAgent = `Long/${'x'.repeat(700)}`;
      const pair = await signUp(app, uniqueEmail(), PASSWORD, { 'user-agent': userAgent });
      const [session] = await listedSessions(app, pair.accessToken);
      expect(session!.userAgent).toBe(userAgent.slice(0, 512));
    });

    it('gives 127.0.0.1 for a client on loopback, ignoring X-Forwarded-For without TRUST_PROXY', async () => {
      const pair = await signUp(app, uniqueEmail(), PASSWORD, { 'x-forwarded-for': '203.0.113.7' });
      const [session] = await listedSessions(app, pair.accessToken);
      expect(session!.ip).toBe('127.0.0.1');
    });
  });

  describe('behind a trusted proxy (TRUST_PROXY=true)', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp({ TRUST_PROXY: 'true' }, { store });
    });
    afterAll(() => app?.close());

    it('gives the client address the proxy appended to X-Forwarded-For (its last entry), not what the client wrote before it', async () => {
      const pair = await signUp(app, uniqueEmail(), PASSWORD, { 'x-forwarded-for': '203.0.113.7, 198.51.100.20' });
      const [session] = await listedSessions(app, pair.accessToken);
      expect(session!.ip).toBe('198.51.100.20');
    });

    it('stores the socket address when the trusted entry is not an IP address, never the entry', async () => {
      const pair = await signUp(app, uniqueEmail(), PASSWORD, { 'x-forwarded-for': `198.51.100.20, <script>${'x'.repeat(2000)}` });
      const [session] = await listedSessions(app, pair.accessToken);
      expect(session!.ip).toBe('127.0.0.1');
    });
  });

  describe('lifetimes (REFRESH_TOKEN_TTL=1h, SESSION_IDLE_TTL=30m)', () => {
    let app: TestApp;
    beforeAll(async () => {
      // Access tokens outlive the sessions here, so the session's end is what they read.
      app = await createTestApp({ REFRESH_TOKEN_TTL: '1h', SESSION_IDLE_TTL: '30m', ACCESS_TOKEN_TTL: '3h' }, { store });
    });
    afterAll(() => app?.close());

    it('gives expiresAt as the earlier of createdAt + REFRESH_TOKEN_TTL and lastUsedAt + SESSION_IDLE_TTL', async () => {
      let pair = await signUp(app);
      const [fresh] = await listedSessions(app, pair.accessToken);
      const createdAt = Date.parse(fresh!.createdAt);
      expect(Date.parse(fresh!.expiresAt)).toBe(createdAt + 30 * MINUTE);

      app.clock.advance(20 * MINUTE);
      pair = await refreshed(app, pair.refreshToken);
      const [used] = await listedSessions(app, pair.accessToken);
      expect(Date.parse(used!.expiresAt)).toBe(Date.parse(used!.lastUsedAt) + 30 * MINUTE);

      app.clock.advance(20 * MINUTE);
      pair = await refreshed(app, pair.refreshToken);
      const [late] = await listedSessions(app, pair.accessToken);
      expect(Date.parse(late!.expiresAt)).toBe(createdAt + 60 * MINUTE);
    });

    it('no longer lists a session ended by the idle timeout', async () => {
      const idle = await signUp(app);
      app.clock.advance(20 * MINUTE);
      const active = await signedIn(app, idle.user.email!);
      expect(await listedSessionIds(app, active.accessToken)).toHaveLength(2);
      app.clock.advance(11 * MINUTE);
      expect(await listedSessionIds(app, active.accessToken)).toEqual([sessionIdOf(active.refreshToken)]);
      expect(await loginState(app, idle.accessToken)).toBe('SESSION_REVOKED');
    });

    it('no longer lists a session ended by its absolute lifetime, however recently it was used', async () => {
      let old = await signUp(app);
      app.clock.advance(25 * MINUTE);
      old = await refreshed(app, old.refreshToken);
      app.clock.advance(20 * MINUTE);
      const young = await signedIn(app, old.user.email!);
      app.clock.advance(5 * MINUTE);
      old = await refreshed(app, old.refreshToken);
      app.clock.advance(9 * MINUTE);
      expect(await listedSessionIds(app, young.accessToken)).toEqual([sessionIdOf(old.refreshToken), sessionIdOf(young.refreshToken)]);
      app.clock.advance(2 * MINUTE);
      expect(await listedSessionIds(app, young.accessToken)).toEqual([sessionIdOf(young.refreshToken)]);
      expect(await loginState(app, old.accessToken)).toBe('SESSION_REVOKED');
    });
  });
});
