import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { jest } from '@jest/globals';
import { Sessions } from '../../../src/services/sessions.js';
import { loginState, PASSWORD, refresh, signIn, signUp, storedSessionIds } from '../../helpers/accounts.js';
import { withinOneSecond } from '../../helpers/eventually.js';
import { bearer, errorCode, type GraphQLResponse } from '../../helpers/graphql-client.js';
import { admin, adminJson, type AdminOutcome } from '../../helpers/admin-cli.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

/**
 * disable-user sets users.disabled_at and then ends the user's sessions. A sign-in that read the
 * user just before the flag was set must not come away with a session that outlives the disable:
 * sign-in re-reads the flag once its session exists and ends it again (Sessions.startWhileEnabled).
 * Here sign-ins keep arriving while the CLI disables the account, and afterwards nothing of the
 * run may still work.
 */

/** Sign-in loops running side by side, each signing in again as soon as its answer arrives. */
const LOOPS = 8;
/** Sign-ins answered before the CLI is started, so the loops are in full swing when it disables. */
const WARM_UP_ANSWERS = 2 * LOOPS;
/** How long the loops keep going once the CLI has returned. */
const AFTER_CLI_MS = 300;
/** Requests at once while checking the handed-out tokens. */
const CHECK_PARALLEL = 8;
const ME = '{ me { id } }';

/** Where each round's counts are appended (JSON lines) when set; the console is off limits in tests. */
const STATS_FILE = process.env.DISABLE_RACE_STATS;

interface Attempt {
  /** performance.now() when the request was sent and when its answer arrived. */
  startedAt: number;
  answeredAt: number;
  /** Date.now() at the same two moments, to compare with users.disabled_at. */
  startedWall: number;
  answeredWall: number;
  tokens: { accessToken: string; refreshToken: string } | null;
  /** The only error's code; undefined when it succeeded. */
  code: string | undefined;
  /** The raw answer when it was neither tokens nor exactly one error. */
  odd: string | null;
}

function attemptOf(response: GraphQLResponse<{ signIn: { accessToken: string; refreshToken: string } }>, startedAt: number, startedWall: number): Attempt {
  const answeredAt = performance.now();
  const answeredWall = Date.now();
  const payload = response.data?.signIn;
  if (payload && !response.errors) {
    return { startedAt, answeredAt, startedWall, answeredWall, tokens: { accessToken: payload.accessToken, refreshToken: payload.refreshToken }, code: undefined, odd: null };
  }
  const single = response.errors?.length === 1 && !payload;
  return { startedAt, answeredAt, startedWall, answeredWall, tokens: null, code: single ? response.errors![0]!.extensions?.code : undefined, odd: single ? null : response.text };
}

/** Runs `check` over `items`, at most CHECK_PARALLEL at once, keeping their order. */
async function inParallel<T, R>(items: readonly T[], check: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await check(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHECK_PARALLEL, items.length) }, worker));
  return results;
}

/**
 * What Sessions.startWhileEnabled decided during a round, watched from outside (the original
 * runs unchanged): only for the counts written to DISABLE_RACE_STATS, never asserted on, since
 * which path a sign-in takes depends on timing.
 */
interface Decisions {
  /** Refused at once: the user read at the start of the sign-in was already disabled. */
  refusedUpFront: number;
  /** A session was made, then the re-read found the account disabled and ended it: the window. */
  endedByRecheck: number;
  granted: number;
}

describe.each(['redis', 'postgres'] as const)('disable-user while sign-ins keep arriving (%s session store)', (store) => {
  let app: TestApp;
  let decisions: Decisions;
  // The method itself, to be called with the spied-on instance as `this`.
  const original = Object.getOwnPropertyDescriptor(Sessions.prototype, 'startWhileEnabled')!.value as (this: Sessions, ...args: Parameters<Sessions['startWhileEnabled']>) => ReturnType<Sessions['startWhileEnabled']>;
  let spy: { mockRestore(): void } | undefined;

  beforeAll(async () => {
    app = await createTestApp({ MAX_SESSIONS_PER_USER: '10000' }, { store });
    spy = jest.spyOn(Sessions.prototype, 'startWhileEnabled').mockImplementation(async function (this: Sessions, user, client, amr, stillEnabled) {
      if (user.disabledAt !== null) decisions.refusedUpFront += 1;
      let recheck: boolean | undefined;
      const tokens = await original.call(this, user, client, amr, async () => (recheck = await stillEnabled()));
      if (tokens) decisions.granted += 1;
      else if (recheck === false) decisions.endedByRecheck += 1;
      return tokens;
    });
  });
  afterAll(async () => {
    spy?.mockRestore();
    await app?.close();
  });

  it.each([1, 2, 3])('round %i: no sign-in racing disable-user leaves a working session or token', async (round) => {
    decisions = { refusedUpFront: 0, endedByRecheck: 0, granted: 0 };
    const user = (await signUp(app)).user;
    const email = user.email!;

    const attempts: Attempt[] = [];
    let stop = false;
    let warmedUp: () => void = () => undefined;
    const warm = new Promise<void>((resolve) => (warmedUp = resolve));
    const loop = async () => {
      while (!stop) {
        const startedAt = performance.now();
        const startedWall = Date.now();
        attempts.push(attemptOf(await signIn(app, email, PASSWORD), startedAt, startedWall));
        if (attempts.length >= WARM_UP_ANSWERS) warmedUp();
      }
    };
    const loops = Array.from({ length: LOOPS }, loop);
    // Should a loop throw (a connection refused, say), stop waiting for the warm-up.
    const failed = Promise.all(loops).then(() => undefined);

    let cliStartedAt: number | undefined;
    let cliReturnedAt: number | undefined;
    let disabled: AdminOutcome | undefined;
    try {
      await Promise.race([warm, failed]);
      cliStartedAt = performance.now();
      disabled = await admin(app, ['disable-user', email, '--json']);
      cliReturnedAt = performance.now();
      await new Promise((resolve) => setTimeout(resolve, AFTER_CLI_MS));
    } finally {
      stop = true;
    }
    // Every request in flight has answered once the loops are done.
    await Promise.all(loops);

    const checksStartedAt = performance.now();
    const granted = attempts.filter((attempt) => attempt.tokens !== null);
    const refused = attempts.filter((attempt) => attempt.code === 'ACCOUNT_DISABLED');
    const startedAfterCli = attempts.filter((attempt) => attempt.startedAt > cliReturnedAt);

    // (4) Every access token handed out is refused for `me` within one second (checked first, so
    // as close to the disable as the run allows).
    const meAnswers = await inParallel(granted, async ({ tokens }) => {
      const me = await withinOneSecond(
        () => app.gql(ME, undefined, bearer(tokens!.accessToken)),
        (response) => response.errors?.[0]?.extensions?.loginState === 'SESSION_REVOKED',
      );
      return { me: (me.data as { me?: unknown } | null | undefined)?.me ?? null, errors: me.errors?.map((error) => ({ code: error.extensions?.code, loginState: error.extensions?.loginState })) };
    });
    // (5) Every refresh token handed out is refused.
    const refreshAnswers = await inParallel(granted, async ({ tokens }) => {
      const response = await refresh(app, tokens!.refreshToken);
      if (response.data?.refresh) return 'REFRESHED';
      return response.errors?.length === 1 ? response.errors[0]!.extensions?.code : response.text;
    });
    // (3) No live session is left, as the CLI lists them and as the store holds them.
    const listed = await adminJson(app, ['sessions', email]);
    const stored = await storedSessionIds(app, user.id);

    expect(disabled.stderr).toBe('');
    expect(disabled.code).toBe(0);
    const answer = JSON.parse(disabled.stdout) as { id: string; disabled: boolean; sessionsEnded: number };
    const [row] = await app.sql<{ disabled_at: Date | null }>('select disabled_at from users where id = $1', [user.id]);
    const disabledAtWall = row?.disabled_at?.getTime() ?? NaN;

    const tally = (values: unknown[]) => values.reduce<Record<string, number>>((counts, value) => ({ ...counts, [String(value)]: (counts[String(value)] ?? 0) + 1 }), {});
    const counts = {
      store,
      round,
      signIns: attempts.length,
      granted: granted.length,
      accountDisabled: refused.length,
      grantedAnsweredWhileCliRan: granted.filter((attempt) => attempt.answeredAt > cliStartedAt && attempt.answeredAt <= cliReturnedAt).length,
      grantedAnsweredAfterCliReturned: granted.filter((attempt) => attempt.answeredAt > cliReturnedAt).length,
      // disabled_at is the CLI's clock reading just before its UPDATE: a sign-in may start after it
      // and still read the row before the UPDATE commits, so these are not by themselves wrong.
      grantedStartedAfterDisabledAt: granted.filter((attempt) => attempt.startedWall > disabledAtWall).length,
      grantedAnsweredAfterDisabledAt: granted.filter((attempt) => attempt.answeredWall > disabledAtWall).length,
      startedAfterCliReturned: startedAfterCli.length,
      sessionsEndedByCli: answer.sessionsEnded,
      cliMs: Math.round(cliReturnedAt - cliStartedAt),
      checksStartedMsAfterCli: Math.round(checksStartedAt - cliReturnedAt),
      startWhileEnabled: { ...decisions },
      refreshAnswers: tally(refreshAnswers),
    };
    if (STATS_FILE) appendFileSync(STATS_FILE, `${JSON.stringify(counts)}\n`);

    expect(answer).toMatchObject({ id: user.id, disabled: true });
    expect(row!.disabled_at).toBeInstanceOf(Date);
    // The run spanned the disable: sign-ins got in before it and kept coming after it.
    expect(granted.length).toBeGreaterThan(0);
    expect(startedAfterCli.length).toBeGreaterThan(0);
    // Every session handed out (and the sign-up's) still existed when the CLI ended them: none
    // was made after it, and MAX_SESSIONS_PER_USER is set out of the way so none was evicted.
    expect(answer.sessionsEnded).toBeGreaterThanOrEqual(granted.length + 1);

    // (1) Every sign-in answered tokens or ACCOUNT_DISABLED, nothing else.
    expect(attempts.filter((attempt) => attempt.tokens === null && attempt.code !== 'ACCOUNT_DISABLED').map((attempt) => attempt.odd ?? attempt.code)).toEqual([]);
    // (2) None that started after the CLI returned got tokens.
    expect(startedAfterCli.filter((attempt) => attempt.tokens !== null)).toEqual([]);
    // (3)
    expect(listed).toEqual({ id: user.id, sessions: [] });
    expect(stored).toEqual([]);
    // (4)
    const refusedMe = { me: null, errors: [{ code: 'UNAUTHENTICATED', loginState: 'SESSION_REVOKED' }] };
    expect(meAnswers.filter((me) => JSON.stringify(me) !== JSON.stringify(refusedMe))).toEqual([]);
    // (5)
    expect(refreshAnswers.filter((code) => code !== 'ACCOUNT_DISABLED' && code !== 'INVALID_REFRESH_TOKEN')).toEqual([]);
  });

  it('lets the user sign in again after enable-user', async () => {
    const user = (await signUp(app)).user;
    const email = user.email!;
    expect(await adminJson(app, ['disable-user', email])).toMatchObject({ id: user.id, disabled: true, sessionsEnded: 1 });
    expect(errorCode(await signIn(app, email, PASSWORD))).toBe('ACCOUNT_DISABLED');

    expect(await adminJson(app, ['enable-user', email])).toEqual({ id: user.id, disabled: false });
    const again = await signIn(app, email, PASSWORD);
    expect(again.errors).toBeUndefined();
    expect(again.data!.signIn.user.id).toBe(user.id);
    expect(await loginState(app, again.data!.signIn.accessToken)).toBe('AUTHENTICATED');
    expect((await refresh(app, again.data!.signIn.refreshToken)).data?.refresh.user.id).toBe(user.id);
  });
});
