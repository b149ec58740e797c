import { randomUUID } from 'node:crypto';
import { admin, adminJson, runAdmin } from '../../helpers/admin-cli.js';
import { type DeviceSession, loginState, PASSWORD, refresh, sessionIdOf, signedIn, signIn, signUp, uniqueEmail } from '../../helpers/accounts.js';
import { eventually, withinOneSecond } from '../../helpers/eventually.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

/** A session as `sessions --json` lists it: the `sessions` query's fields but `current`. */
type ListedSession = Omit<DeviceSession, 'current'>;

interface ListedEvent {
  at: string;
  type: string;
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown> | null;
}

const ME = '{ me { id } }';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;


describe.each(['redis', 'postgres'] as const)('admin commands beside a running gateway (%s session store)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({}, { store });
  });
  afterAll(() => app?.close());

  describe('create-user', () => {
    it('creates a password account (password from stdin) that can sign in', async () => {
      const email = uniqueEmail();
      const password = 'operator chose this';
      const outcome = await admin(app, ['create-user', '--email', `  ${email.toUpperCase()} `, '--nickname', ' Ops Person '], `${password}\nignored second line\n`);
      expect(outcome.stderr).toBe('');
      expect(outcome.code).toBe(0);
      const match = /^created user ([0-9a-f-]{36}) \((.+)\)\n$/.exec(outcome.stdout);
      expect(match?.[2]).toBe(email);
      const id = match![1]!;

      const response = await signIn(app, email, password);
      expect(response.errors).toBeUndefined();
      expect(response.data!.signIn).toMatchObject({ isNewUser: false, user: { id, email, nickname: 'Ops Person', hasPassword: true, providers: [] } });
      expect(await loginState(app, response.data!.signIn.accessToken)).toBe('AUTHENTICATED');
      // Only the first line is the password.
      expect(errorCode(await signIn(app, email, `${password}\nignored second line`))).toBe('INVALID_CREDENTIALS');
      const [row] = await app.sql<{ password_hash: string }>('select password_hash from users where id = $1', [id]);
      expect(row!.password_hash).toMatch(/^\$2[aby]\$/);
      expect(row!.password_hash).not.toContain(password);
    });

    it('answers --json with the id and email, and records user_created by admin', async () => {
      const email = uniqueEmail();
      const created = await adminJson<{ id: string; email: string }>(app, ['create-user', '--email', email, '--nickname', 'N'], 'another fine password\n');
      expect(created).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), email });
      const { events } = await adminJson<{ events: ListedEvent[] }>(app, ['events', created.id]);
      expect(events).toEqual([expect.objectContaining({ type: 'user_created', userId: created.id, sessionId: null, detail: { by: 'admin' } })]);
      expect(JSON.stringify(events)).not.toContain('another fine password');
    });

    it('exits 1 naming the password when it is too short, and creates nobody', async () => {
      const email = uniqueEmail();
      const outcome = await admin(app, ['create-user', '--email', email, '--nickname', 'N'], 'Qz7#kp\n');
      expect(outcome.code).toBe(1);
      expect(outcome.stdout).toBe('');
      expect(outcome.stderr).toMatch(/password/i);
      expect(outcome.stderr).toMatch(/at least 8/);
      expect(outcome.stderr).not.toContain('Qz7#kp');
      expect(await app.sql('select id from users where email = $1', [email])).toEqual([]);
    });

    it('exits 1 for an email that already has an account, leaving that account alone', async () => {
      const pair = await signUp(app);
      const outcome = await admin(app, ['create-user', '--email', pair.user.email!, '--nickname', 'N'], 'a different password\n');
      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toMatch(/already exists/);
      expect((await signIn(app, pair.user.email!, PASSWORD)).data?.signIn.user.id).toBe(pair.user.id);
      expect(errorCode(await signIn(app, pair.user.email!, 'a different password'))).toBe('INVALID_CREDENTIALS');
    });

    it('exits 2 without --email or --nickname', async () => {
      const outcome = await admin(app, ['create-user', '--email', uniqueEmail()], 'long enough password\n');
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toMatch(/--nickname/);
      expect(outcome.stderr).toMatch(/usage:/);
    });
  });

  describe('disable-user and enable-user', () => {
    it('disables a user: live access tokens read SESSION_REVOKED within 1 s, signIn and refresh are refused; enable-user lets them sign in again', async () => {
      const laptop = await signUp(app);
      const email = laptop.user.email!;
      const phone = await signedIn(app, email);
      const other = await signUp(app);

      const disabled = await adminJson<{ id: string; disabled: boolean; sessionsEnded: number }>(app, ['disable-user', email]);
      expect(disabled).toEqual({ id: laptop.user.id, disabled: true, sessionsEnded: 2 });

      for (const pair of [laptop, phone]) {
        expect(await withinOneSecond(() => loginState(app, pair.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
        const me = await app.gql(ME, undefined, bearer(pair.accessToken));
        expect(me.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', loginState: 'SESSION_REVOKED' });
        expect(['ACCOUNT_DISABLED', 'INVALID_REFRESH_TOKEN']).toContain(errorCode(await refresh(app, pair.refreshToken)));
      }
      expect(errorCode(await signIn(app, email, PASSWORD))).toBe('ACCOUNT_DISABLED');
      expect(errorCode(await signIn(app, email, 'not the password'))).toBe('INVALID_CREDENTIALS');
      const [row] = await app.sql<{ disabled_at: Date | null }>('select disabled_at from users where id = $1', [laptop.user.id]);
      expect(row!.disabled_at).toBeInstanceOf(Date);
      // Nobody else is touched.
      expect(await loginState(app, other.accessToken)).toBe('AUTHENTICATED');

      const enabled = await adminJson<{ id: string; disabled: boolean }>(app, ['enable-user', laptop.user.id]);
      expect(enabled).toEqual({ id: laptop.user.id, disabled: false });
      const again = await signIn(app, email, PASSWORD);
      expect(again.errors).toBeUndefined();
      expect(again.data!.signIn.user.id).toBe(laptop.user.id);
      expect(await loginState(app, again.data!.signIn.accessToken)).toBe('AUTHENTICATED');
      // Enabling brings no ended session back.
      expect(await loginState(app, laptop.accessToken)).toBe('SESSION_REVOKED');
      expect(errorCode(await refresh(app, phone.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
      expect((await app.sql<{ disabled_at: Date | null }>('select disabled_at from users where id = $1', [laptop.user.id]))[0]!.disabled_at).toBeNull();
    });

    it('prints what it did without --json, and disabling twice ends nothing more', async () => {
      const pair = await signUp(app);
      const first = await admin(app, ['disable-user', pair.user.id]);
      expect(first).toMatchObject({ code: 0, stdout: `disabled user ${pair.user.id}; 1 session(s) ended\n` });
      const second = await admin(app, ['disable-user', pair.user.email!]);
      expect(second).toMatchObject({ code: 0, stdout: `disabled user ${pair.user.id}; 0 session(s) ended\n` });
      expect(errorCode(await signIn(app, pair.user.email!, PASSWORD))).toBe('ACCOUNT_DISABLED');
      expect(await admin(app, ['enable-user', pair.user.email!])).toMatchObject({ code: 0, stdout: `enabled user ${pair.user.id}\n` });
      expect((await signIn(app, pair.user.email!, PASSWORD)).data?.signIn.user.id).toBe(pair.user.id);
    });
  });

  describe('revoke-sessions', () => {
    it('ends every session of the user (count in --json), whose tokens stop working; the user may sign in again', async () => {
      const first = await signUp(app);
      const email = first.user.email!;
      const second = await signedIn(app, email);
      const third = await signedIn(app, email);
      const bystander = await signUp(app);

      const answer = await adminJson<{ id: string; sessionsEnded: number }>(app, ['revoke-sessions', email]);
      expect(answer).toEqual({ id: first.user.id, sessionsEnded: 3 });
      for (const pair of [first, second, third]) {
        expect(await withinOneSecond(() => loginState(app, pair.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
        expect(errorCode(await refresh(app, pair.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
      }
      expect(await loginState(app, bystander.accessToken)).toBe('AUTHENTICATED');
      // Not disabled: a new sign-in works.
      const fresh = await signedIn(app, email);
      expect(await loginState(app, fresh.accessToken)).toBe('AUTHENTICATED');

      expect(await adminJson(app, ['revoke-sessions', first.user.id])).toEqual({ id: first.user.id, sessionsEnded: 1 });
      expect(await adminJson(app, ['revoke-sessions', first.user.id])).toEqual({ id: first.user.id, sessionsEnded: 0 });
      const text = await admin(app, ['revoke-sessions', email]);
      expect(text).toMatchObject({ code: 0, stdout: `0 session(s) of user ${first.user.id} ended\n` });
    });
  });

  describe('sessions', () => {
    it('lists the user\'s live sessions with their client, and none of the ended ones', async () => {
      const ua = 'admin-test laptop/1.0';
      const laptop = await signUp(app, uniqueEmail(), PASSWORD, { 'user-agent': ua });
      const email = laptop.user.email!;
      const phone = await signedIn(app, email, { 'user-agent': 'admin-test phone/2.0' });
      const gone = await signedIn(app, email);
      await app.gql('mutation { logout }', undefined, bearer(gone.accessToken));

      const listed = await adminJson<{ id: string; sessions: ListedSession[] }>(app, ['sessions', email]);
      expect(listed.id).toBe(laptop.user.id);
      const byId = new Map(listed.sessions.map((session) => [session.id, session]));
      expect([...byId.keys()].sort()).toEqual([sessionIdOf(laptop.refreshToken), sessionIdOf(phone.refreshToken)].sort());
      expect(byId.get(sessionIdOf(laptop.refreshToken))).toMatchObject({ userAgent: ua, ip: '127.0.0.1' });
      expect(byId.get(sessionIdOf(phone.refreshToken))).toMatchObject({ userAgent: 'admin-test phone/2.0', ip: '127.0.0.1' });
      for (const session of listed.sessions) {
        expect(session.createdAt).toMatch(ISO);
        expect(session.lastUsedAt).toMatch(ISO);
        expect(session.expiresAt).toMatch(ISO);
        expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now());
      }
      // Never a token or a stored hash.
      const text = JSON.stringify(listed);
      for (const secret of [laptop.refreshToken, phone.refreshToken, laptop.accessToken]) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/hash/i);

      const plain = await admin(app, ['sessions', laptop.user.id]);
      expect(plain.code).toBe(0);
      const lines = plain.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe(`user ${laptop.user.id}: 2 live session(s)`);
      expect(lines.slice(1).map((line) => line.split(/\s+/)[0]).sort()).toEqual([sessionIdOf(laptop.refreshToken), sessionIdOf(phone.refreshToken)].sort());

      await admin(app, ['revoke-sessions', email]);
      expect(await adminJson(app, ['sessions', email])).toEqual({ id: laptop.user.id, sessions: [] });
    });
  });

  describe('events', () => {
    it('shows the user\'s latest events newest first, with the admin actions (detail.by admin) among them', async () => {
      const pair = await signUp(app);
      const email = pair.user.email!;
      // The gateway's own event is written a fraction of a second later.
      await eventually(
        () => app.sql("select 1 from audit_events where user_id = $1 and type = 'sign_up'", [pair.user.id]),
        (rows) => rows.length === 1,
      );
      await adminJson(app, ['disable-user', email]);
      await adminJson(app, ['enable-user', email]);
      await adminJson(app, ['revoke-sessions', email]);

      const { id, events } = await adminJson<{ id: string; events: ListedEvent[] }>(app, ['events', email]);
      expect(id).toBe(pair.user.id);
      expect(events.map((event) => event.type)).toEqual(['sessions_revoked', 'user_enabled', 'user_disabled', 'sign_up']);
      expect(events[2]).toMatchObject({ userId: pair.user.id, sessionId: null, detail: { by: 'admin', sessionsEnded: 1 } });
      expect(events[1]).toMatchObject({ detail: { by: 'admin' } });
      expect(events[0]).toMatchObject({ detail: { by: 'admin', sessionsEnded: 0 } });
      expect(events[3]).toMatchObject({ userId: pair.user.id, sessionId: sessionIdOf(pair.refreshToken), ip: '127.0.0.1', detail: null });
      for (const event of events) expect(event.at).toMatch(ISO);
      const times = events.map((event) => Date.parse(event.at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);

      const limited = await adminJson<{ events: ListedEvent[] }>(app, ['events', pair.user.id, '--limit', '2']);
      expect(limited.events.map((event) => event.type)).toEqual(['sessions_revoked', 'user_enabled']);

      const plain = await admin(app, ['events', email, '--limit', '1']);
      expect(plain.code).toBe(0);
      const lines = plain.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe(`user ${pair.user.id}: latest 1 event(s)`);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain('sessions_revoked');
      expect(lines[1]).toContain('"by":"admin"');
    });

    it.each([['0'], ['1001'], ['ten'], ['2.5']])('exits 2 for --limit %s', async (limit) => {
      const pair = await signUp(app);
      const outcome = await admin(app, ['events', pair.user.id, '--limit', limit]);
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toMatch(/--limit/);
      expect(outcome.stdout).toBe('');
    });
  });

  describe('unknown users', () => {
    it.each([
      ['disable-user'],
      ['enable-user'],
      ['revoke-sessions'],
      ['sessions'],
      ['events'],
    ])('%s exits 1 for an email or an id nobody has, saying so on stderr', async (command) => {
      const email = uniqueEmail();
      const byEmail = await admin(app, [command, email]);
      expect(byEmail.code).toBe(1);
      expect(byEmail.stdout).toBe('');
      expect(byEmail.stderr).toContain(`${command} failed: no user with email ${email}`);

      const id = randomUUID();
      const byId = await admin(app, [command, id]);
      expect(byId.code).toBe(1);
      expect(byId.stderr).toContain(`no user with id ${id}`);
    });

    it('exits 1 for something that is not a user id at all', async () => {
      const outcome = await admin(app, ['disable-user', 'not-an-id']);
      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toContain('no user with id not-an-id');
    });
  });
});

describe('admin usage', () => {
  // Usage errors are found before any connection: no database is needed.
  const run = (args: string[]) => runAdmin(args, '', { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });

  it('exits 2 for an unknown command, with the usage on stderr', async () => {
    const outcome = await run(['frobnicate-user', 'someone@example.com']);
    expect(outcome.code).toBe(2);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toMatch(/unknown command: frobnicate-user/);
    expect(outcome.stderr).toMatch(/usage:/);
    for (const command of ['create-user', 'disable-user', 'enable-user', 'revoke-sessions', 'sessions', 'events', 'rotate-keys']) expect(outcome.stderr).toContain(command);
  });

  it.each([
    ['a missing user', ['disable-user']],
    ['an extra argument', ['sessions', 'a@example.com', 'b@example.com']],
    ['a user where none is taken', ['rotate-keys', 'a@example.com']],
    ['an unknown option', ['sessions', 'a@example.com', '--frob']],
  ])('exits 2 for %s', async (_name, args) => {
    const outcome = await run(args);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/usage:/);
    expect(outcome.stdout).toBe('');
  });

  it('prints the usage on stdout and exits 0 for help and for no command', async () => {
    for (const args of [['help'], []]) {
      const outcome = await run(args);
      expect(outcome.code).toBe(0);
      expect(outcome.stdout).toMatch(/^usage:/);
      expect(outcome.stdout).toContain('disable-user <user>');
      expect(outcome.stderr).toBe('');
    }
  });
});
