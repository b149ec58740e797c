/**
 * What the soak checks: each phase's calls (only the allowed errors, answered in time, and gone
 * soon after the fault ends), and at the end the ledger against the gateway and its stores.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Core } from '../src/app/core.js';
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

/**
 * The ledger against the gateway: every live session refreshes (once, with the token the client
 * holds) and every ended one is refused; the store holds exactly the live sessions (plus at most
 * one per sign-in whose answer was lost); no Redis key lacks a TTL; no account exists that the
 * client was never told of.
 */
export async function checkLedger(load: SoakLoad, core: Core, redisUrl: string | null, keyPrefix: string): Promise<string[]> {
  const failures: string[] = [];
  let refreshed = 0;
  let refused = 0;
  for (const user of load.users) {
    for (const session of user.sessions) {
      const { outcome } = await load.call('check', OPERATIONS.refresh, { t: session.refreshToken });
      if (session.state === 'ended') {
        if (outcome === 'INVALID_REFRESH_TOKEN') refused += 1;
        else failures.push(`ended session ${session.sessionId} answered ${outcome} to refresh (revived?)`);
      } else if (session.state === 'live') {
        if (outcome === 'ok') refreshed += 1;
        else failures.push(`live session ${session.sessionId} answered ${outcome} to refresh (lost?)`);
      }
    }
    if (user.userId === null) continue;
    const stored = new Set((await core.sessions.list(user.userId)).map((session) => session.id));
    const live = user.sessions.filter((session) => session.state !== 'ended').map((session) => session.sessionId);
    const missing = live.filter((id) => !stored.has(id));
    const ended = user.sessions.filter((session) => session.state === 'ended' && stored.has(session.sessionId));
    const unknown = [...stored].filter((id) => !user.sessions.some((session) => session.sessionId === id));
    if (missing.length > 0) failures.push(`${user.email}: live sessions missing from the store: ${missing.join(', ')}`);
    if (ended.length > 0) failures.push(`${user.email}: ended sessions back in the store: ${ended.map((s) => s.sessionId).join(', ')}`);
    if (unknown.length > user.unknownSignIns) failures.push(`${user.email}: ${unknown.length} sessions nobody was told of (${user.unknownSignIns} sign-in answers were lost)`);
  }
  console.log(`ledger: ${refreshed} live sessions refreshed, ${refused} ended sessions refused`);

  const database = new pg.Client({ connectionString: core.databaseUrl });
  await database.connect();
  try {
    const { rows } = await database.query<{ email: string }>("select email from users where email like '%@soak.example'");
    const confirmed = new Set(load.users.filter((user) => user.userId !== null).map((user) => user.email));
    const orphans = rows.filter((row) => !confirmed.has(row.email));
    // A sign-up whose answer was lost may have made its account; the client then signed in to it.
    if (orphans.length > 0) failures.push(`accounts the client was never told of: ${orphans.map((row) => row.email).join(', ')}`);
    const sessionRows = await database.query<{ n: string }>('select count(*) as n from sessions where user_id not in (select id from users)');
    if (Number(sessionRows.rows[0]!.n) > 0) failures.push(`${sessionRows.rows[0]!.n} session rows without a user`);
  } finally {
    await database.end();
  }
  if (redisUrl !== null) failures.push(...(await redisKeysWithoutTtl(redisUrl, keyPrefix)));
  return failures;
}

async function redisKeysWithoutTtl(url: string, prefix: string): Promise<string[]> {
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
    return failures;
  } finally {
    redis.disconnect();
  }
}
