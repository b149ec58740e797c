import pg from 'pg';
import { PASSWORD, signIn, signUp, storedSessionIds } from '../../helpers/accounts.js';
import { adminJson } from '../../helpers/admin-cli.js';
import { openAdministration, type OpenAdministration } from '../../helpers/administration.js';
import { eventually } from '../../helpers/eventually.js';
import { errorCode } from '../../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

/**
 * disable-user against one password sign-in held at a known point, instead of hoping a race
 * (disable-race.test.ts) lands there. The test holds, from a connection of its own, a lock the
 * sign-in takes, sees the sign-in wait for it, runs disable-user's own code (Administration, as
 * the CLI runs it, but in this process), then lets go. Whatever the sign-in had read before, it
 * must not end with a working session.
 *
 * The gateway gives up on a query after 1.5 s (POSTGRES_DEADLINES: no request hangs on a
 * dependency), so what happens while the lock is held is a few queries made from here, never a
 * process to start.
 */

/**
 * A backend waiting for a lock the test holds, told by pg_locks, which is read live
 * (pg_stat_activity is a snapshot kept for the whole transaction, blind to newer connections).
 */
interface Waiter {
  /** The kind of lock it waits for: `transactionid` for a row, `advisory` for an advisory lock. */
  waitsFor: string;
  /** For a row: the table of the row it queues for, and the mode (AccessExclusiveLock: FOR UPDATE). */
  tupleOf: string | null;
  tupleMode: string | null;
  /** For an advisory lock: whether it is the one the test holds. */
  sameAdvisoryKey: boolean;
}

const WAITERS = `
  select
    w.locktype as "waitsFor",
    (select t.relation::regclass::text from pg_locks t where t.pid = w.pid and t.granted and t.locktype = 'tuple' limit 1) as "tupleOf",
    (select t.mode from pg_locks t where t.pid = w.pid and t.granted and t.locktype = 'tuple' limit 1) as "tupleMode",
    exists (
      select 1 from pg_locks mine
      where mine.pid = pg_backend_pid() and mine.granted and mine.locktype = 'advisory' and (mine.classid, mine.objid, mine.objsubid) = (w.classid, w.objid, w.objsubid)
    ) as "sameAdvisoryKey"
  from pg_locks w
  where not w.granted and pg_backend_pid() = any(pg_blocking_pids(w.pid))`;

interface Held {
  /** The backends waiting for this connection's locks. */
  waiters(): Promise<Waiter[]>;
  release(): Promise<void>;
}

/** Runs `take` in a transaction on a new connection to the app's database, and keeps it open. */
async function hold(app: TestApp, take: (client: pg.Client) => Promise<unknown>): Promise<Held> {
  const client = new pg.Client({ connectionString: app.databaseUrl });
  await client.connect();
  await client.query('begin');
  await take(client);
  return {
    waiters: async () => (await client.query<Waiter>(WAITERS)).rows,
    release: async () => {
      await client.query('commit');
      await client.end();
    },
  };
}

/** The backends waiting for the held lock, once there is one (at most 5 s). */
function waitersOnceThere(held: Held): Promise<Waiter[]> {
  return eventually(() => held.waiters(), (waiters) => waiters.length > 0);
}

/** disable-user's work, as the CLI would report it. */
async function disableUser(administration: OpenAdministration, email: string) {
  const { user, sessionsEnded } = await administration.admin.disable(email);
  return { id: user.id, disabled: user.disabled, sessionsEnded };
}

describe('disable-user while a sign-in waits before its session exists (postgres session store)', () => {
  let app: TestApp;
  let administration: OpenAdministration;
  beforeAll(async () => {
    app = await createTestApp({}, { store: 'postgres' });
    administration = await openAdministration(app);
  });
  afterAll(async () => {
    await administration?.close();
    await app?.close();
  });

  it('the sign-in read the user enabled, the disable ended every session there was, and the session made after it is ended: ACCOUNT_DISABLED, nothing stored', async () => {
    const { user } = await signUp(app);
    // The session store makes a user's sessions one at a time under `select ... for update` of the
    // user's row. A key-share lock blocks that, and not disable-user's update of disabled_at.
    const held = await hold(app, (client) => client.query('select 1 from users where id = $1 for key share', [user.id]));
    let answer: ReturnType<typeof signIn> | undefined;
    try {
      answer = signIn(app, user.email!, PASSWORD);
      // The password was checked against the user read (enabled); the session is next.
      const queuedForTheUserRow = { waitsFor: 'transactionid', tupleOf: 'users', tupleMode: 'AccessExclusiveLock', sameAdvisoryKey: false };
      expect(await waitersOnceThere(held)).toEqual([queuedForTheUserRow]);
      expect(await storedSessionIds(app, user.id)).toHaveLength(1);

      expect(await disableUser(administration, user.email!)).toEqual({ id: user.id, disabled: true, sessionsEnded: 1 });
      expect(await storedSessionIds(app, user.id)).toEqual([]);
      expect(await held.waiters()).toEqual([queuedForTheUserRow]);
    } finally {
      await held.release();
    }
    expect(errorCode(await answer)).toBe('ACCOUNT_DISABLED');
    expect(await storedSessionIds(app, user.id)).toEqual([]);
    expect(await adminJson(app, ['sessions', user.email!])).toEqual({ id: user.id, sessions: [] });
  });
});

describe.each(['redis', 'postgres'] as const)('disable-user while a sign-in waits to re-read the account (%s session store)', (store) => {
  let app: TestApp;
  let administration: OpenAdministration;
  beforeAll(async () => {
    app = await createTestApp({}, { store });
    administration = await openAdministration(app);
  });
  afterAll(async () => {
    await administration?.close();
    await app?.close();
  });

  it('the session made meanwhile is ended by the disable, and the sign-in answers ACCOUNT_DISABLED, not tokens', async () => {
    const { user } = await signUp(app);
    // Once its session exists, a sign-in asks again under the user's advisory lock (lockUser).
    const held = await hold(app, (client) => client.query('select pg_advisory_xact_lock(hashtext($1))', [`user:${user.id}`]));
    let answer: ReturnType<typeof signIn> | undefined;
    try {
      answer = signIn(app, user.email!, PASSWORD);
      const waitingForTheUserLock = { waitsFor: 'advisory', tupleOf: null, tupleMode: null, sameAdvisoryKey: true };
      expect(await waitersOnceThere(held)).toEqual([waitingForTheUserLock]);
      expect(await storedSessionIds(app, user.id)).toHaveLength(2);

      expect(await disableUser(administration, user.email!)).toEqual({ id: user.id, disabled: true, sessionsEnded: 2 });
      expect(await held.waiters()).toEqual([waitingForTheUserLock]);
    } finally {
      await held.release();
    }
    expect(errorCode(await answer)).toBe('ACCOUNT_DISABLED');
    expect(await storedSessionIds(app, user.id)).toEqual([]);
    expect(await adminJson(app, ['sessions', user.email!])).toEqual({ id: user.id, sessions: [] });
  });
});
