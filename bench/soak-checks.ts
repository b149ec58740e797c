/**
 * What the soak checks: each phase's calls (only the allowed errors, answered in time, and gone
 * soon after the fault ends), and at the end the ledger against the gateway and its stores.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Call, SoakLoad } from './soak-load.js';
import { OPERATIONS } from './scenarios.js';

export interface Phase {
  name: string;
  start: number;
  end: number;
  /** Outcomes other than `ok` allowed in this phase (none in a quiet one). */
  allowed: readonly string[];
  /** When the fault was over (the store back, the new gateway ready); null for a quiet phase. */
  recoveredAt: number | null;
  rssBytes: number[];
}

export interface PhaseResult {
  phase: Phase;
  calls: number;
  errors: Map<string, number>;
  slowestErrorMs: number;
  recoveryMs: number | null;
  p95Ms: number;
  failures: string[];
}

/** An error must arrive within this; the gateway must be back to no errors this soon after the fault. */
const ERROR_WITHIN_MS = 2_000;
const RECOVER_WITHIN_MS = 5_000;

/**
 * Judges the calls answered during the phase: a call belongs where its answer came, so one sent
 * just before a fault and failed by it counts for that fault, not for the quiet time before.
 */
export function judgePhase(phase: Phase, allCalls: readonly Call[]): PhaseResult {
  const calls = allCalls.filter((call) => call.end >= phase.start && call.end < phase.end);
  const failed = calls.filter((call) => call.outcome !== 'ok');
  const errors = new Map<string, number>();
  for (const call of failed) errors.set(call.outcome, (errors.get(call.outcome) ?? 0) + 1);
  const failures: string[] = [];
  const disallowed = [...errors.keys()].filter((code) => !phase.allowed.includes(code));
  if (disallowed.length > 0) failures.push(`errors not allowed here: ${disallowed.map((code) => `${code} ×${errors.get(code)}`).join(', ')}`);
  // Only a store's SERVICE_UNAVAILABLE is bounded: a gateway that is down cannot answer at all.
  const answered = failed.filter((call) => call.outcome === 'SERVICE_UNAVAILABLE');
  const slowestErrorMs = Math.max(0, ...answered.map((call) => call.end - call.start));
  if (slowestErrorMs > ERROR_WITHIN_MS) failures.push(`a SERVICE_UNAVAILABLE took ${Math.round(slowestErrorMs)} ms (limit ${ERROR_WITHIN_MS})`);
  let recoveryMs: number | null = null;
  if (phase.recoveredAt !== null) {
    const lastErrorEnd = Math.max(phase.recoveredAt, ...failed.map((call) => call.end));
    recoveryMs = lastErrorEnd - phase.recoveredAt;
    if (recoveryMs > RECOVER_WITHIN_MS) {
      const late = failed.filter((call) => call.end - phase.recoveredAt! > RECOVER_WITHIN_MS).slice(-3);
      const which = late.map((call) => `${call.op} ${call.outcome} at +${((call.end - phase.recoveredAt!) / 1000).toFixed(1)} s`).join(', ');
      failures.push(`errors went on for ${Math.round(recoveryMs)} ms after the fault ended (limit ${RECOVER_WITHIN_MS}): ${which}`);
    }
  }
  const meLatencies = calls.filter((call) => call.op === 'me' && call.outcome === 'ok').map((call) => call.end - call.start);
  return { phase, calls: calls.length, errors, slowestErrorMs, recoveryMs, p95Ms: percentile(meLatencies, 0.95), failures };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Where the gateway keeps its state, read directly by the ledger check (not through the gateway's code). */
export interface StoreAccess {
  databaseUrl: string;
  /** Null when sessions are kept in PostgreSQL. */
  redisUrl: string | null;
  keyPrefix: string;
}

/** What the ledger check saw; each must be above zero, or the check proved nothing. */
interface LedgerCounts {
  /** Live sessions (and logging-out ones that were still live) that refreshed. */
  refreshed: number;
  /** Ended sessions (and logging-out ones that had ended) whose refresh token was refused. */
  refused: number;
  /** Sessions read from the session store itself. */
  storedSessions: number;
  /** The soak's accounts in the database. */
  accounts: number;
  /** Keys under the prefix in Redis (with Redis only). */
  redisKeys?: number;
}

/**
 * The ledger against the gateway and its stores: every live session refreshes (once, with the
 * token the client holds) and every ended one is refused; a session whose logout answer was lost
 * ("logging-out") may have ended or not, and must be consistent either way. The session store,
 * read directly, holds exactly the sessions still live (plus at most one per sign-in whose answer
 * was lost); no Redis key lacks a TTL; no account exists that the client was never told of. Every
 * count must be above zero: a run that refreshed nothing or read no store checked nothing.
 */
export async function checkLedger(load: SoakLoad, stores: StoreAccess): Promise<string[]> {
  const failures: string[] = [];
  const counts: LedgerCounts = { refreshed: 0, refused: 0, storedSessions: 0, accounts: 0 };
  /** Per user id, the sessions that must be in the store after the refreshes below. */
  const expected = new Map<string, Set<string>>();
  /** What became of the sessions whose logout answer was lost: either is right. */
  const loggingOut = { live: 0, ended: 0 };
  for (const user of load.users) {
    for (const session of user.sessions) {
      const { outcome } = await load.call('check', OPERATIONS.refresh, { t: session.refreshToken });
      const what = `${session.state} session ${session.sessionId}`;
      const live = outcome === 'ok';
      if (outcome !== 'ok' && outcome !== 'INVALID_REFRESH_TOKEN') failures.push(`${what} answered ${outcome} to refresh`);
      else if (session.state === 'ended' && live) failures.push(`${what} refreshed (revived?)`);
      else if (session.state === 'live' && !live) failures.push(`${what} was refused (lost?)`);
      if (session.state === 'logging-out') loggingOut[live ? 'live' : 'ended'] += 1;
      if (live) counts.refreshed += 1;
      else if (outcome === 'INVALID_REFRESH_TOKEN') counts.refused += 1;
      if (live) expected.set(session.userId, (expected.get(session.userId) ?? new Set()).add(session.sessionId));
    }
  }

  const { byUser: stored, failures: storeFailures } = await storedSessions(stores);
  failures.push(...storeFailures);
  counts.storedSessions = [...stored.values()].reduce((n, ids) => n + ids.size, 0);
  const known = new Map(load.users.filter((user) => user.userId !== null).map((user) => [user.userId!, user]));
  for (const user of known.values()) {
    const inStore = stored.get(user.userId!) ?? new Set<string>();
    const mustBe = expected.get(user.userId!) ?? new Set<string>();
    const missing = [...mustBe].filter((id) => !inStore.has(id));
    const ended = user.sessions.filter((session) => !mustBe.has(session.sessionId) && inStore.has(session.sessionId));
    const unknown = [...inStore].filter((id) => !user.sessions.some((session) => session.sessionId === id));
    if (missing.length > 0) failures.push(`${user.email}: live sessions missing from the store: ${missing.join(', ')}`);
    if (ended.length > 0) failures.push(`${user.email}: refused sessions still in the store: ${ended.map((s) => s.sessionId).join(', ')}`);
    if (unknown.length > user.unknownSignIns) failures.push(`${user.email}: ${unknown.length} sessions nobody was told of (${user.unknownSignIns} sign-in answers were lost)`);
  }
  const strangers = [...stored.keys()].filter((userId) => !known.has(userId));
  if (strangers.length > 0) failures.push(`sessions of users the client was never told of: ${strangers.join(', ')}`);

  const database = new pg.Client({ connectionString: stores.databaseUrl });
  await database.connect();
  try {
    const { rows } = await database.query<{ email: string }>("select email from users where email like '%@soak.example'");
    counts.accounts = rows.length;
    const confirmed = new Set(load.users.filter((user) => user.userId !== null).map((user) => user.email));
    const orphans = rows.filter((row) => !confirmed.has(row.email));
    // A sign-up whose answer was lost may have made its account; the client then signed in to it.
    if (orphans.length > 0) failures.push(`accounts the client was never told of: ${orphans.map((row) => row.email).join(', ')}`);
    const sessionRows = await database.query<{ n: string }>('select count(*) as n from sessions where user_id not in (select id from users)');
    if (Number(sessionRows.rows[0]!.n) > 0) failures.push(`${sessionRows.rows[0]!.n} session rows without a user`);
  } finally {
    await database.end();
  }
  if (stores.redisUrl !== null) {
    const { keys, failures: withoutTtl } = await redisKeysWithoutTtl(stores.redisUrl, stores.keyPrefix);
    counts.redisKeys = keys;
    failures.push(...withoutTtl);
  }

  console.log(
    `ledger: ${counts.refreshed} sessions refreshed, ${counts.refused} refused (of the logging-out: ${loggingOut.live} still live, ${loggingOut.ended} ended); ` +
      `${counts.storedSessions} sessions read from the store, ${counts.accounts} accounts${counts.redisKeys === undefined ? '' : `, ${counts.redisKeys} Redis keys`}`,
  );
  for (const [name, count] of Object.entries(counts)) if (count === 0) failures.push(`ledger: ${name} is 0, so the check proved nothing there`);
  return failures;
}

/** Per user id, the ids of the sessions in the session store, read from it directly; and what is amiss there. */
async function storedSessions(stores: StoreAccess): Promise<{ byUser: Map<string, Set<string>>; failures: string[] }> {
  const byUser = new Map<string, Set<string>>();
  const failures: string[] = [];
  const add = (userId: string, id: string) => byUser.set(userId, (byUser.get(userId) ?? new Set()).add(id));
  if (stores.redisUrl === null) {
    const database = new pg.Client({ connectionString: stores.databaseUrl });
    await database.connect();
    try {
      for (const row of (await database.query<{ id: string; user_id: string }>('select id, user_id from sessions')).rows) add(row.user_id, row.id);
    } finally {
      await database.end();
    }
    return { byUser, failures };
  }
  // One hash per session, `<prefix>session:{<user id>}:<session id>`, listed in the user's index.
  const redis = new Redis(stores.redisUrl, { lazyConnect: true });
  await redis.connect();
  try {
    const sessionKey = /^session:\{([^}]+)\}:(.+)$/;
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${stores.keyPrefix}session:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of batch) {
        const match = sessionKey.exec(key.slice(stores.keyPrefix.length));
        if (match) add(match[1]!, match[2]!);
      }
    } while (cursor !== '0');
    for (const [userId, ids] of byUser) {
      const indexed = new Set(await redis.zrange(`${stores.keyPrefix}sessions:{${userId}}`, '0', '-1'));
      const unindexed = [...ids].filter((id) => !indexed.has(id));
      if (unindexed.length > 0) failures.push(`Redis: sessions of ${userId} missing from the user's index: ${unindexed.join(', ')}`);
    }
    return { byUser, failures };
  } finally {
    redis.disconnect();
  }
}

async function redisKeysWithoutTtl(url: string, prefix: string): Promise<{ keys: number; failures: string[] }> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  try {
    const failures: string[] = [];
    let cursor = '0';
    let keys = 0;
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of batch) {
        keys += 1;
        if ((await redis.ttl(key)) === -1) failures.push(`Redis key without a TTL: ${key}`);
      }
    } while (cursor !== '0');
    console.log(`Redis: ${keys} keys under "${prefix}", ${failures.length} without a TTL`);
    return { keys, failures };
  } finally {
    redis.disconnect();
  }
}
