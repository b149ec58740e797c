import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startGateway } from '../../../src/app/gateway.js';
import { ConfigError, loadConfig } from '../../../src/config/config.js';
import type { GoogleProfile } from '../../fakes/oauth/index.js';
import { PASSWORD, refresh, refreshed, sessionIdOf, signIn, signUp, uniqueEmail } from '../../helpers/accounts.js';
import { bearer, errorCode, postGraphQL } from '../../helpers/graphql-client.js';
import { approvedLogin, envFor, loggedIn, useFakeProviders } from '../../helpers/oauth.js';
import { eventually } from '../../helpers/eventually.js';
import { createTestApp, type TestApp, TEST_KEY_ENCRYPTION_KEY } from '../../helpers/test-app.js';
import { TestClock } from '../../helpers/test-clock.js';

interface AuditRow {
  id: string;
  at: Date;
  type: string;
  user_id: string | null;
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown> | null;
}

const LOGOUT = 'mutation($refreshToken: String, $allDevices: Boolean) { logout(refreshToken: $refreshToken, allDevices: $allDevices) }';
const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;

/** A User-Agent no other test sends, so a test finds its own rows (some have no user id). */
const uniqueAgent = () => `audit-test/${randomBytes(6).toString('hex')} (jest)`;
const agent = (userAgent: string) => ({ 'user-agent': userAgent });
const rid = () => randomBytes(6).toString('hex');
const google = (email: string): GoogleProfile => ({ sub: `10${BigInt(`0x${rid()}`)}`, email, email_verified: true, name: 'Google User' });


/** The rows sent with `userAgent`, in the order they were recorded. */
function rowsFrom(app: TestApp, userAgent: string): Promise<AuditRow[]> {
  return app.sql<AuditRow>('select * from audit_events where user_agent = $1 order by id', [userAgent]);
}

/** The rows sent with `userAgent` once they include every type in `types`. */
async function rowsOnceWritten(app: TestApp, userAgent: string, ...types: string[]): Promise<AuditRow[]> {
  return eventually(
    () => rowsFrom(app, userAgent),
    (rows) => types.every((type) => rows.some((row) => row.type === type)),
  );
}

/** The whole row as text, for "never stored" checks. */
const asText = (rows: AuditRow[]) => JSON.stringify(rows);

/** Stamped by the gateway's clock (the app's test clock, which stands still unless a test moves it). */
function expectStampedAt(row: AuditRow, at: number) {
  expect(row.at).toBeInstanceOf(Date);
  expect(row.at.getTime()).toBe(at);
}

const fakes = await useFakeProviders();

describe.each(['redis', 'postgres'] as const)('audit trail of GraphQL auth events (%s session store)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ ...envFor(fakes), REFRESH_REUSE_GRACE: '2s' }, { store });
  });
  afterAll(() => app?.close());

  it('records sign_up with the new user, its session, the caller\'s address and user agent, and nothing secret', async () => {
    const ua = uniqueAgent();
    const password = `pw-${rid()}-signup`;
    const pair = await signUp(app, uniqueEmail(), password, agent(ua));
    const rows = await rowsOnceWritten(app, ua, 'sign_up');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ type: 'sign_up', user_id: pair.user.id, session_id: sessionIdOf(pair.refreshToken), ip: '127.0.0.1', user_agent: ua, detail: null });
    expectStampedAt(rows[0]!, app.clock.now());
    const text = asText(rows);
    for (const secret of [password, pair.refreshToken, pair.accessToken]) expect(text).not.toContain(secret);
  });

  it('records sign_in with the session it started', async () => {
    const password = `pw-${rid()}-signin`;
    const email = uniqueEmail();
    const account = await signUp(app, email, password);
    const ua = uniqueAgent();
    const response = await signIn(app, email, password, agent(ua));
    const pair = response.data!.signIn;
    const rows = await rowsOnceWritten(app, ua, 'sign_in');
    expect(rows).toEqual([
      expect.objectContaining({ type: 'sign_in', user_id: account.user.id, session_id: sessionIdOf(pair.refreshToken), ip: '127.0.0.1', user_agent: ua, detail: null }),
    ]);
    expect(sessionIdOf(pair.refreshToken)).not.toBe(sessionIdOf(account.refreshToken));
    const text = asText(rows);
    for (const secret of [password, pair.refreshToken, pair.accessToken]) expect(text).not.toContain(secret);
  });

  it('records sign_in_failed (invalid_credentials) for a wrong password with the account\'s user id and no session, never the password tried', async () => {
    const email = uniqueEmail();
    const account = await signUp(app, email);
    const ua = uniqueAgent();
    const wrong = `wrong-${rid()}-password`;
    expect(errorCode(await signIn(app, email, wrong, agent(ua)))).toBe('INVALID_CREDENTIALS');
    const rows = await rowsOnceWritten(app, ua, 'sign_in_failed');
    expect(rows).toEqual([
      expect.objectContaining({ type: 'sign_in_failed', user_id: account.user.id, session_id: null, ip: '127.0.0.1', user_agent: ua, detail: { reason: 'invalid_credentials' } }),
    ]);
    expect(asText(rows)).not.toContain(wrong);
    expect(asText(rows)).not.toContain(PASSWORD);
  });

  it('records sign_in_failed for an unknown email with user_id null', async () => {
    const ua = uniqueAgent();
    const tried = `unknown-${rid()}-password`;
    expect(errorCode(await signIn(app, uniqueEmail(), tried, agent(ua)))).toBe('INVALID_CREDENTIALS');
    const rows = await rowsOnceWritten(app, ua, 'sign_in_failed');
    expect(rows).toEqual([
      expect.objectContaining({ type: 'sign_in_failed', user_id: null, session_id: null, ip: '127.0.0.1', user_agent: ua, detail: { reason: 'invalid_credentials' } }),
    ]);
    expect(asText(rows)).not.toContain(tried);
  });

  it('records sign_in_failed (disabled) when a disabled user gives the right password, answers ACCOUNT_DISABLED, and refuses refresh of a kept session with ACCOUNT_DISABLED', async () => {
    const email = uniqueEmail();
    const password = `pw-${rid()}-disabled`;
    const account = await signUp(app, email, password);
    // Disabled behind the gateway's back: its sessions are left alone, so refresh has to check.
    await app.sql('update users set disabled_at = now() where id = $1', [account.user.id]);
    const ua = uniqueAgent();
    expect(errorCode(await signIn(app, email, password, agent(ua)))).toBe('ACCOUNT_DISABLED');
    const rows = await rowsOnceWritten(app, ua, 'sign_in_failed');
    expect(rows).toEqual([
      expect.objectContaining({ type: 'sign_in_failed', user_id: account.user.id, session_id: null, ip: '127.0.0.1', user_agent: ua, detail: { reason: 'disabled' } }),
    ]);
    expect(asText(rows)).not.toContain(password);
    // The gateway learns of the change through the database's announcement.
    const refused = await eventually(
      () => refresh(app, account.refreshToken),
      (response) => response.errors?.[0]?.extensions?.code === 'ACCOUNT_DISABLED',
    );
    expect(errorCode(refused)).toBe('ACCOUNT_DISABLED');
    // A wrong password still says only INVALID_CREDENTIALS: being disabled is no hint to a guesser.
    expect(errorCode(await signIn(app, email, `${password}-nope`))).toBe('INVALID_CREDENTIALS');
  });

  it('records oauth_login with the provider and isNewUser, for the first and a later login', async () => {
    const profile = google(uniqueEmail());
    const { response, approval } = await approvedLogin(app, 'GOOGLE', fakes.google, profile);
    expect(response.errors).toBeUndefined();
    const first = response.data!.oauthLogin;
    const ua = uniqueAgent();
    const again = await oauthLoginWithAgent(app, profile, ua);
    const rows = await rowsOnceWritten(app, ua, 'oauth_login');
    expect(rows).toEqual([
      expect.objectContaining({
        type: 'oauth_login',
        user_id: first.user.id,
        session_id: sessionIdOf(again.refreshToken),
        ip: '127.0.0.1',
        user_agent: ua,
        detail: { provider: 'GOOGLE', isNewUser: false },
      }),
    ]);
    const all = await eventually(
      () => app.sql<AuditRow>("select * from audit_events where user_id = $1 and type = 'oauth_login' order by id", [first.user.id]),
      (list) => list.length === 2,
    );
    expect(all.map((row) => [row.session_id, row.detail])).toEqual([
      [sessionIdOf(first.refreshToken), { provider: 'GOOGLE', isNewUser: true }],
      [sessionIdOf(again.refreshToken), { provider: 'GOOGLE', isNewUser: false }],
    ]);
    const text = asText(all);
    for (const secret of [approval.code, fakes.google.clientSecret, first.refreshToken, again.refreshToken]) expect(text).not.toContain(secret);
  });

  it('records oauth_linked and then oauth_login when a verified provider email joins a password account', async () => {
    const email = uniqueEmail();
    const account = await signUp(app, email);
    const ua = uniqueAgent();
    const linked = await oauthLoginWithAgent(app, google(email), ua);
    expect(linked.user.id).toBe(account.user.id);
    const rows = await rowsOnceWritten(app, ua, 'oauth_linked', 'oauth_login');
    expect(rows).toEqual([
      expect.objectContaining({ type: 'oauth_linked', user_id: account.user.id, session_id: null, ip: '127.0.0.1', user_agent: ua, detail: { provider: 'GOOGLE' } }),
      expect.objectContaining({
        type: 'oauth_login',
        user_id: account.user.id,
        session_id: sessionIdOf(linked.refreshToken),
        ip: '127.0.0.1',
        user_agent: ua,
        detail: { provider: 'GOOGLE', isNewUser: false },
      }),
    ]);
  });

  it('answers ACCOUNT_DISABLED to a disabled user\'s oauthLogin and records sign_in_failed (disabled) with the provider', async () => {
    const profile = google(uniqueEmail());
    const first = await loggedIn(app, 'GOOGLE', fakes.google, profile);
    await app.sql('update users set disabled_at = now() where id = $1', [first.user.id]);
    const ua = uniqueAgent();
    const { response } = await approvedLoginWithAgent(app, profile, ua);
    expect(errorCode(response)).toBe('ACCOUNT_DISABLED');
    expect(response.data?.oauthLogin ?? null).toBeNull();
    const rows = await rowsOnceWritten(app, ua, 'sign_in_failed');
    expect(rows).toEqual([
      expect.objectContaining({ type: 'sign_in_failed', user_id: first.user.id, session_id: null, user_agent: ua, detail: { provider: 'GOOGLE', reason: 'disabled' } }),
    ]);
    // No session was started for it.
    const sessionRows = await app.sql("select * from audit_events where user_id = $1 and type = 'oauth_login'", [first.user.id]);
    expect(sessionRows).toHaveLength(1);
  });

  it('records refresh_reuse_detected with the session it revoked and the replaying client', async () => {
    const pair = await signUp(app);
    const next = await refreshed(app, pair.refreshToken);
    app.clock.advance(3_000);
    const ua = uniqueAgent();
    expect(errorCode(await refresh(app, pair.refreshToken, agent(ua)))).toBe('REFRESH_TOKEN_REUSED');
    const rows = await rowsOnceWritten(app, ua, 'refresh_reuse_detected');
    expect(rows).toEqual([
      expect.objectContaining({ type: 'refresh_reuse_detected', user_id: pair.user.id, session_id: sessionIdOf(pair.refreshToken), ip: '127.0.0.1', user_agent: ua }),
    ]);
    const text = asText(rows);
    for (const secret of [pair.refreshToken, next.refreshToken, PASSWORD]) expect(text).not.toContain(secret);
  });

  it('records no event for an ordinary refresh', async () => {
    const pair = await signUp(app);
    const ua = uniqueAgent();
    await refreshed(app, pair.refreshToken, agent(ua));
    // A later event from the same client: once it is written, anything recorded before it is too.
    expect(errorCode(await signIn(app, uniqueEmail(), 'not the password', agent(ua)))).toBe('INVALID_CREDENTIALS');
    const rows = await rowsOnceWritten(app, ua, 'sign_in_failed');
    expect(rows.map((row) => row.type)).toEqual(['sign_in_failed']);
  });

  it('records logout with the session, for a logout by access token, and allDevices in the detail', async () => {
    const pair = await signUp(app);
    const ua = uniqueAgent();
    const response = await app.gql<{ logout: boolean }>(LOGOUT, {}, { ...bearer(pair.accessToken), ...agent(ua) });
    expect(response.data).toEqual({ logout: true });
    const rows = await rowsOnceWritten(app, ua, 'logout');
    expect(rows).toEqual([
      expect.objectContaining({ type: 'logout', user_id: pair.user.id, session_id: sessionIdOf(pair.refreshToken), ip: '127.0.0.1', user_agent: ua, detail: { allDevices: false } }),
    ]);
    expect(asText(rows)).not.toContain(pair.accessToken);
  });

  it('records logout of all devices', async () => {
    const pair = await signUp(app);
    await signIn(app, pair.user.email!, PASSWORD);
    const ua = uniqueAgent();
    const response = await app.gql<{ logout: boolean }>(LOGOUT, { allDevices: true }, { ...bearer(pair.accessToken), ...agent(ua) });
    expect(response.data).toEqual({ logout: true });
    const rows = await rowsOnceWritten(app, ua, 'logout');
    expect(rows).toEqual([expect.objectContaining({ type: 'logout', user_id: pair.user.id, session_id: sessionIdOf(pair.refreshToken), detail: { allDevices: true } })]);
  });

  it('records logout by refresh token alone with the token\'s user, never the token', async () => {
    const pair = await signUp(app);
    const ua = uniqueAgent();
    const response = await app.gql<{ logout: boolean }>(LOGOUT, { refreshToken: pair.refreshToken }, agent(ua));
    expect(response.data).toEqual({ logout: true });
    const rows = await rowsOnceWritten(app, ua, 'logout');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ type: 'logout', user_id: pair.user.id, ip: '127.0.0.1', user_agent: ua });
    expect(asText(rows)).not.toContain(pair.refreshToken);
    expect(asText(rows)).not.toContain(pair.refreshToken.split('.')[2]);
  });

  it('records no logout when nothing ended', async () => {
    const pair = await signUp(app);
    const ua = uniqueAgent();
    await app.gql(LOGOUT, {}, { ...bearer(pair.accessToken), ...agent(ua) });
    // Already logged out: the second logout ends nothing.
    const second = await app.gql<{ logout: boolean }>(LOGOUT, { refreshToken: pair.refreshToken }, agent(ua));
    expect(second.data).toEqual({ logout: false });
    expect(errorCode(await signIn(app, uniqueEmail(), 'not the password', agent(ua)))).toBe('INVALID_CREDENTIALS');
    const rows = await rowsOnceWritten(app, ua, 'sign_in_failed');
    expect(rows.map((row) => row.type)).toEqual(['logout', 'sign_in_failed']);
  });

  it('records session_revoked with the revoked session and, in the detail, the session that revoked it', async () => {
    const laptop = await signUp(app);
    const phone = (await signIn(app, laptop.user.email!, PASSWORD)).data!.signIn;
    const ua = uniqueAgent();
    const response = await app.gql<{ revokeSession: boolean }>(
      'mutation($id: ID!) { revokeSession(id: $id) }',
      { id: sessionIdOf(phone.refreshToken).toUpperCase() },
      { ...bearer(laptop.accessToken), ...agent(ua) },
    );
    expect(response.data).toEqual({ revokeSession: true });
    const rows = await rowsOnceWritten(app, ua, 'session_revoked');
    expect(rows).toEqual([
      expect.objectContaining({
        type: 'session_revoked',
        user_id: laptop.user.id,
        session_id: sessionIdOf(phone.refreshToken),
        ip: '127.0.0.1',
        user_agent: ua,
        detail: { by: sessionIdOf(laptop.refreshToken) },
      }),
    ]);
    // Revoking a session that is not there (any more) records nothing. The trail writes events in the
    // order they happened, so once a later event from the same client is stored, anything the second
    // revocation had appended would be stored too.
    const eventsOfEither = async () => app.sql<AuditRow>(
      'select * from audit_events where user_id = $1 or session_id = $2 order by id',
      [laptop.user.id, sessionIdOf(phone.refreshToken)],
    );
    const before = await eventsOfEither();
    expect(before.filter((row) => row.type === 'session_revoked')).toHaveLength(1);
    const again = await app.gql<{ revokeSession: boolean }>(
      'mutation($id: ID!) { revokeSession(id: $id) }',
      { id: sessionIdOf(phone.refreshToken) },
      { ...bearer(laptop.accessToken), ...agent(ua) },
    );
    expect(again.data).toEqual({ revokeSession: false });
    expect(errorCode(await signIn(app, uniqueEmail(), 'not the password', agent(ua)))).toBe('INVALID_CREDENTIALS');
    const after = await rowsOnceWritten(app, ua, 'sign_in_failed');
    expect(after.map((row) => row.type)).toEqual(['session_revoked', 'sign_in_failed']);
    expect(await eventsOfEither()).toEqual(before);
  });

  it('records sign_in_failed (rate_limited) when an attempt is refused by the limits', async () => {
    const limited = await createTestApp({ SIGNIN_ACCOUNT_MAX_FAILURES: '2' }, { store, databaseUrl: app.databaseUrl });
    try {
      const email = uniqueEmail();
      await signUp(limited, email);
      const ua = uniqueAgent();
      for (let i = 0; i < 2; i += 1) expect(errorCode(await signIn(limited, email, `wrong-${i}-password`, agent(ua)))).toBe('INVALID_CREDENTIALS');
      expect(errorCode(await signIn(limited, email, PASSWORD, agent(ua)))).toBe('RATE_LIMITED');
      const rows = await eventually(
        () => rowsFrom(limited, ua),
        (list) => list.some((row) => row.detail?.reason === 'rate_limited'),
      );
      expect(rows.map((row) => [row.type, row.detail])).toEqual([
        ['sign_in_failed', { reason: 'invalid_credentials' }],
        ['sign_in_failed', { reason: 'invalid_credentials' }],
        ['sign_in_failed', { reason: 'rate_limited' }],
      ]);
      expect(rows[2]).toMatchObject({ session_id: null, ip: '127.0.0.1', user_agent: ua });
      expect(asText(rows)).not.toContain(PASSWORD);

      // A burst of refusals of the same key in the same window: counted, one row and one log line.
      const counted = async () => Number(/auth_events_total\{event="sign_in_failed",provider=""\} (\d+)/.exec(await (await fetch(`${limited.url}/metrics`)).text())?.[1] ?? 0);
      const before = await counted();
      for (let i = 0; i < 10; i += 1) expect(errorCode(await signIn(limited, email, PASSWORD, agent(ua)))).toBe('RATE_LIMITED');
      expect(await counted()).toBe(before + 10);
      // Events are written in order: once a later one is in, every refusal before it was handled.
      await signUp(limited, uniqueEmail(), PASSWORD, agent(ua));
      const after = await eventually(() => rowsFrom(limited, ua), (list) => list.some((row) => row.type === 'sign_up'));
      expect(after.filter((row) => row.detail?.reason === 'rate_limited')).toHaveLength(1);
    } finally {
      await limited.close();
    }
  });

  it('caps a very long user agent at 512 characters', async () => {
    const ua = `${uniqueAgent()} ${'x'.repeat(2_000)}`;
    const pair = await signUp(app, uniqueEmail(), PASSWORD, agent(ua));
    const rows = await eventually(
      () => app.sql<AuditRow>("select * from audit_events where user_id = $1 and type = 'sign_up'", [pair.user.id]),
      (list) => list.length === 1,
    );
    expect(rows[0]!.user_agent).toBe(ua.slice(0, 512));
  });
});

/** approvedLogin with a User-Agent on the oauthLogin request. */
async function approvedLoginWithAgent(app: TestApp, profile: GoogleProfile, userAgent: string) {
  const withAgent = { gql: (query: string, variables?: Record<string, unknown>, headers?: Record<string, string>) => app.gql(query, variables, { ...headers, ...agent(userAgent) }) };
  return approvedLogin(withAgent as Pick<TestApp, 'gql'>, 'GOOGLE', fakes.google, profile);
}

async function oauthLoginWithAgent(app: TestApp, profile: GoogleProfile, userAgent: string) {
  const { response } = await approvedLoginWithAgent(app, profile, userAgent);
  if (!response.data?.oauthLogin) throw new Error(`oauthLogin failed: ${response.text}`);
  return response.data.oauthLogin;
}

describe('auth event log lines', () => {
  it('logs one info line per event, with its type and user, never the password or tokens', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
        callback();
      },
    });
    const base = await createTestApp();
    await base.close();
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      BCRYPT_COST: '4',
      DATABASE_URL: base.databaseUrl,
      RATE_LIMIT_SIGNIN: '100000/5m',
      RATE_LIMIT_SIGNUP: '100000/5m',
      KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY,
    });
    const gateway = await startGateway(config, { logger: pino({ level: 'info' }, sink), clock: new TestClock() });
    try {
      const client = { gql: (query: string, variables?: Record<string, unknown>, headers?: Record<string, string>) => postGraphQL(`${gateway.url}/graphql`, query, variables, headers) };
      const password = `pw-${rid()}-logged`;
      const email = uniqueEmail();
      const pair = await signUp(client as Pick<TestApp, 'gql'>, email, password);
      expect(errorCode(await signIn(client as Pick<TestApp, 'gql'>, email, `${password}-wrong`))).toBe('INVALID_CREDENTIALS');
      const events = lines.filter((line) => typeof line.event === 'string');
      expect(events.map((line) => [line.event, line.level, line.userId])).toEqual([
        ['sign_up', 30, pair.user.id],
        ['sign_in_failed', 30, pair.user.id],
      ]);
      expect(events[0]).toMatchObject({ sessionId: sessionIdOf(pair.refreshToken), ip: '127.0.0.1' });
      expect(events[1]).toMatchObject({ reason: 'invalid_credentials' });
      const text = JSON.stringify(lines);
      for (const secret of [password, pair.refreshToken, pair.accessToken]) expect(text).not.toContain(secret);
    } finally {
      await gateway.close();
    }
  });
});

describe('AUDIT_RETENTION', () => {
  async function insertAged(app: TestApp, type: string, ageMs: number): Promise<string> {
    const [row] = await app.sql<{ id: string }>(
      "insert into audit_events (at, type, user_id, detail) values (now() - ($1::bigint * interval '1 millisecond'), $2, gen_random_uuid(), '{\"by\":\"test\"}') returning id",
      [ageMs, type],
    );
    return row!.id;
  }
  const present = async (app: TestApp, ids: string[]) =>
    (await app.sql<{ id: string }>('select id from audit_events where id = any($1::bigint[]) order by id', [ids])).map((row) => row.id);

  it('deletes, when a gateway starts, the events older than the retention and keeps newer ones', async () => {
    const first = await createTestApp({}, { store: 'postgres' });
    let recentId: string;
    let fourDays: string;
    let twoDays: string;
    let halfDay: string;
    try {
      const pair = await signUp(first);
      const [recent] = await eventually(
        () => first.sql<{ id: string }>("select id from audit_events where user_id = $1 and type = 'sign_up'", [pair.user.id]),
        (rows) => rows.length === 1,
      );
      recentId = recent!.id;
      fourDays = await insertAged(first, 'sign_in', 4 * DAY);
      twoDays = await insertAged(first, 'sign_in', 2 * DAY);
      halfDay = await insertAged(first, 'sign_in', 12 * HOUR);
    } finally {
      await first.close();
    }

    const threeDays = await createTestApp({ AUDIT_RETENTION: '3d' }, { store: 'postgres', databaseUrl: first.databaseUrl });
    try {
      const left = await eventually(
        () => present(threeDays, [fourDays, twoDays, halfDay, recentId]),
        (ids) => !ids.includes(fourDays),
      );
      expect(left.sort()).toEqual([twoDays, halfDay, recentId].sort());
    } finally {
      await threeDays.close();
    }

    const oneDay = await createTestApp({ AUDIT_RETENTION: '1d' }, { store: 'postgres', databaseUrl: first.databaseUrl });
    try {
      const left = await eventually(
        () => present(oneDay, [twoDays, halfDay, recentId]),
        (ids) => !ids.includes(twoDays),
      );
      expect(left.sort()).toEqual([halfDay, recentId].sort());
    } finally {
      await oneDay.close();
    }
  });

  it('keeps 90 days by default', async () => {
    const first = await createTestApp({}, { store: 'postgres' });
    let old: string;
    let kept: string;
    try {
      old = await insertAged(first, 'sign_in', 91 * DAY);
      kept = await insertAged(first, 'sign_in', 89 * DAY);
    } finally {
      await first.close();
    }
    const second = await createTestApp({}, { store: 'postgres', databaseUrl: first.databaseUrl });
    try {
      const left = await eventually(
        () => present(second, [old, kept]),
        (ids) => !ids.includes(old),
      );
      expect(left).toEqual([kept]);
    } finally {
      await second.close();
    }
  });

  it('refuses a malformed AUDIT_RETENTION at start', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', AUDIT_RETENTION: 'forever' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'test', AUDIT_RETENTION: 'forever' })).toThrow(/AUDIT_RETENTION/);
    expect(() => loadConfig({ NODE_ENV: 'test', AUDIT_RETENTION: '0s' })).toThrow(/AUDIT_RETENTION/);
  });
});
