/**
 * `npm run bench`: the gateway's throughput, latency and CPU per request next to what the same
 * machine does with a bare node:http server, a bare Apollo Server and bcrypt alone.
 *
 * Starts its own PostgreSQL and redis-server on loopback, the baselines and the gateway (Redis
 * store, PostgreSQL store, and WORKERS=2 when the build supports it) as child processes, and
 * drives them with autocannon from this process. Scenarios are interleaved over rounds; the
 * final table holds the medians. Everything started is stopped at the end, on failure and on
 * Ctrl-C. BENCH_PROFILE=1 (or =me, =refresh, =logout, =loginState, =signIn, =requestPasswordReset, =completeMfa) instead profiles the gateway (Redis
 * store; BENCH_PROFILE_STORE=postgres for the other) under that one load with node --cpu-prof and
 * prints where its CPU time went.
 *
 * After the rounds comes a refresh storm (Redis store): BENCH_STORM_SESSIONS sessions whose access
 * tokens have all expired refresh once each, BENCH_STORM_CONNECTIONS at a time.
 *
 * Settings (environment): BENCH_ROUNDS (3), BENCH_DURATION seconds (5), BENCH_CONNECTIONS (50),
 * BENCH_BCRYPT_COST (10), BENCH_WARMUP seconds (2), BENCH_USERS (100),
 * BENCH_LOGOUT_SESSIONS per round (1000 × BENCH_DURATION; a logout run ends when they are all
 * logged out), BENCH_RESET_REQUESTS and BENCH_MFA_CHALLENGES per round (1000 × BENCH_DURATION
 * and 400 × BENCH_DURATION, likewise), BENCH_BCRYPT_IN_FLIGHT (4), BENCH_STORM_SESSIONS (20000;
 * 0 skips the storm), BENCH_STORM_CONNECTIONS (200), BENCH_PROFILE (off).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/infra/embedded-postgres.js';
import { freePort, onStop, postmasterPid, rssBytes, type Server, settle, sleep, startNodeServer, startRedis, stopAll } from './processes.js';
import type { CacheCost } from './cache-costs.js';
import { type MfaUser, mfaUsers, mintChallenges, REDIRECT_URI, resetAccounts, startMailSink, startProvider } from './account-pools.js';
import { summarizeProfile } from './profile-summary.js';
import { expiredSessions, storm } from './refresh-storm.js';
import { type BaselineRef, fmt, Report } from './report.js';
import { drive, type Load, loads, type Measurement, type Pools } from './scenarios.js';
import { seed, signInAccounts, type Stack, startGateway, startSeeder } from './stack.js';

const seconds = setting('BENCH_DURATION', 5, 1);
const PROFILED = {
  '1': 'me',
  me: 'me',
  refresh: 'refresh',
  logout: 'logout',
  loginState: 'loginState',
  signIn: 'signIn',
  requestPasswordReset: 'requestPasswordReset',
  completeMfa: 'completeMfa',
} as const;
type Profiled = (typeof PROFILED)[keyof typeof PROFILED];
const settings = {
  rounds: setting('BENCH_ROUNDS', 3, 1),
  seconds,
  connections: setting('BENCH_CONNECTIONS', 50, 1),
  bcryptCost: setting('BENCH_BCRYPT_COST', 10, 4),
  warmupSeconds: setting('BENCH_WARMUP', 2, 0),
  users: setting('BENCH_USERS', 100, 1),
  // Sessions are made before anything is measured (see stack.ts), so a logout run has a fixed
  // size: at about 3,000 logouts/s (Redis store, 2 cores) this is a 1.5–2 s run.
  logoutSessions: setting('BENCH_LOGOUT_SESSIONS', 1000 * seconds, 1),
  resetRequests: setting('BENCH_RESET_REQUESTS', 1000 * seconds, 1),
  mfaChallenges: setting('BENCH_MFA_CHALLENGES', 400 * seconds, 1),
  bcryptInFlight: setting('BENCH_BCRYPT_IN_FLIGHT', 4, 1),
  stormSessions: setting('BENCH_STORM_SESSIONS', 20_000, 0),
  stormConnections: setting('BENCH_STORM_CONNECTIONS', 200, 1),
  signInAccounts: 20,
  profile: profiledScenario(process.env.BENCH_PROFILE),
};

const ENTITIES = '_entities ×100';
const GATEWAY_SCENARIOS = ['me', 'loginState', 'refresh', 'logout', 'signIn', 'signUp', 'requestPasswordReset', 'completeMfa', 'oauthLogin', ENTITIES] as const;
/** People who sign in with the provider, each many times. */
const SOCIAL_PROFILES = 100;
const BARE_HTTP = 'bare http';
const BARE_APOLLO = 'bare Apollo { hello }';
const BCRYPT = `bcrypt ceiling (cost ${settings.bcryptCost})`;
const ME_WORKERS_2 = 'me, WORKERS=2';

function baselineOf(scenario: string, store: string): BaselineRef | undefined {
  if (scenario === BARE_APOLLO) return { scenario: BARE_HTTP, store: '—', label: 'bare http' };
  if (['me', 'loginState', 'refresh', 'logout', 'requestPasswordReset', 'completeMfa', 'oauthLogin', ENTITIES].includes(scenario)) return { scenario: BARE_APOLLO, store: '—', label: 'bare Apollo' };
  if (['signIn', 'signUp'].includes(scenario)) return { scenario: BCRYPT, store: '—', label: 'bcrypt ceiling' };
  if (scenario === ME_WORKERS_2) return { scenario: 'me', store, label: 'WORKERS=1' };
  return undefined;
}

interface Target {
  stack: Stack;
  gateway: Server;
  /** Idle while anything is measured; makes second-step challenges between runs. */
  seeder: Server;
  pools: Pools;
  mfaUsers: MfaUser[];
}

async function main(): Promise<void> {
  const settingsLine =
    `${settings.rounds} round(s) of ${settings.seconds} s, ${settings.connections} connections, bcrypt cost ${settings.bcryptCost}, ` +
    `logout ${settings.logoutSessions} sessions per round, bcrypt ceiling with ${settings.bcryptInFlight} compares in flight`;
  console.log(`auth-gateway bench: ${settingsLine}`);

  const { databaseUrl, redisUrl, storePids } = await startStores();
  const mail = await startMailSink();
  const provider = await startProvider(SOCIAL_PROFILES);
  const env = { SMTP_URL: mail.url, ...provider.env };
  const stacks: Stack[] = [
    { name: 'redis', store: 'redis', databaseUrl: databaseUrl('bench_redis'), redisUrl, keyPrefix: 'bench-redis:', workers: 1, env },
    { name: 'postgres', store: 'postgres', databaseUrl: databaseUrl('bench_postgres'), redisUrl: null, keyPrefix: 'bench-pg:', workers: 1, env },
  ];
  const stores = [storePids.postgres, storePids.redis];

  if (settings.profile) {
    const store = process.env.BENCH_PROFILE_STORE || 'redis';
    const stack = stacks.find((candidate) => candidate.store === store);
    if (!stack) throw new Error(`BENCH_PROFILE_STORE must be redis or postgres, got "${store}"`);
    return profile(settings.profile, stack, stores);
  }

  const workersSupported = supportsWorkers();
  const scaleOut: Stack | undefined = workersSupported
    ? { name: 'redis, WORKERS=2', store: 'redis', databaseUrl: databaseUrl('bench_workers'), redisUrl, keyPrefix: 'bench-w2:', workers: 2, env }
    : undefined;
  if (!workersSupported) console.log('scale-out: skipped, this build does not read WORKERS (src/config, src/main.ts)');

  console.log('starting the baselines');
  const bareHttp = await startNodeServer({ name: BARE_HTTP, script: path.resolve('dist/bench/baselines/bare-http.js'), env: serverEnv(), port: await freePort() });
  const bareApollo = await startNodeServer({ name: BARE_APOLLO, script: path.resolve('dist/bench/baselines/bare-apollo.js'), env: serverEnv(), port: await freePort() });

  const targets: Target[] = [];
  for (const stack of stacks) targets.push(await prepare(stack, true));
  const scaleOutTarget = scaleOut && (await prepare(scaleOut, false));
  const allTargets = [...targets, ...(scaleOutTarget ? [scaleOutTarget] : [])];
  const quietPids = [bareHttp.pid, bareApollo.pid, ...allTargets.flatMap((t) => [t.gateway.pid, t.seeder.pid]), ...stores];
  const run = (load: Load, server: Server) =>
    drive(load, { url: server.url, seconds: settings.seconds, connections: settings.connections, serverPids: [server.pid], storePids: stores, quietPids });

  if (settings.warmupSeconds > 0) {
    console.log(`warming up every server for ${settings.warmupSeconds} s`);
    const warm = (load: Load, server: Server) =>
      drive(load, { url: server.url, seconds: settings.warmupSeconds, connections: settings.connections, serverPids: [], storePids: [] });
    await warm(loads.bareHttp(), bareHttp);
    await warm(loads.hello(), bareApollo);
    for (const t of allTargets) {
      await warm(loads.me(t.pools), t.gateway);
      await warm(loads.loginState(), t.gateway);
    }
  }

  const report = new Report(baselineOf);
  const outbox: OutboxDrain[] = [];
  for (const t of allTargets) report.addRss(`gateway (${t.stack.name})`, rssBytes(t.gateway.pid));
  for (let round = 1; round <= settings.rounds; round++) {
    console.log(`round ${round} of ${settings.rounds}`);
    report.add({ round, scenario: BARE_HTTP, store: '—', m: await run(loads.bareHttp(), bareHttp) });
    report.add({ round, scenario: BARE_APOLLO, store: '—', m: await run(loads.hello(), bareApollo) });
    await settle(quietPids);
    report.add({ round, scenario: BCRYPT, store: '—', m: await bcryptCeiling() });
    for (const target of targets) {
      const { stack, gateway, pools } = target;
      for (const scenario of GATEWAY_SCENARIOS) {
        if (scenario === 'completeMfa') pools.mfaChallenges = await mintChallenges(target.seeder.url, target.mfaUsers, settings.mfaChallenges);
        const load = {
          me: () => loads.me(pools),
          loginState: () => loads.loginState(),
          refresh: () => loads.refresh(pools),
          logout: () => loads.logout(pools, round - 1),
          signIn: () => loads.signIn(pools),
          signUp: () => loads.signUp(`${stack.store}-r${round}`),
          requestPasswordReset: () => loads.requestPasswordReset(pools, round - 1),
          completeMfa: () => loads.completeMfa(pools),
          oauthLogin: () => loads.oauthLogin(provider.google, provider.profiles, REDIRECT_URI),
          [ENTITIES]: () => loads.entities(pools),
        }[scenario]();
        const mailsBefore = mail.received();
        const m = await run(load, gateway);
        report.add({ round, scenario, store: stack.name, m });
        report.notePeakRss(`gateway (${stack.name})`, rssBytes(gateway.pid));
        console.log(`    memory after it: ${await memoryOf(gateway)}`);
        // Every link asked for is mailed after the answer: wait for the outbox, so its sending
        // is not counted against the next scenario, and report how fast it went.
        if (scenario === 'requestPasswordReset') outbox.push(await outboxDrained(mail, mailsBefore, m.ok));
      }
    }
    if (scaleOutTarget) {
      const w1 = targets[0]!;
      report.add({ round, scenario: ME_WORKERS_2, store: w1.stack.name, m: await run(loads.me(scaleOutTarget.pools), scaleOutTarget.gateway) });
      report.notePeakRss(`gateway (${scaleOutTarget.stack.name})`, rssBytes(scaleOutTarget.gateway.pid));
    }
    for (const t of allTargets) report.addRss(`gateway (${t.stack.name})`, rssBytes(t.gateway.pid));
  }

  const stormResult = settings.stormSessions > 0 ? await refreshStorm(targets[0]!, stores) : undefined;
  const costs = await cacheCosts();

  console.log('\n## Results (medians over rounds; errors summed)\n');
  console.log(report.markdown(settingsLine));
  console.log(`\n${report.rssTable()}\n`);
  console.log(cacheCostTable(costs));
  for (const drain of outbox) console.log(outboxLine(drain));
  if (stormResult) console.log(`\n${stormLine(stormResult)}\n`);
  console.log(`mails the SMTP server accepted: ${mail.received()}\n`);
  printTargets(report, stormResult);
}

interface OutboxDrain {
  mails: number;
  /** From the end of the requests to the last mail's arrival. */
  seconds: number;
  arrived: boolean;
}

/** Waits (up to 3 minutes) until the SMTP server has `mails` more messages than `before`. */
async function outboxDrained(mail: { received: () => number }, before: number, mails: number): Promise<OutboxDrain> {
  const started = performance.now();
  const target = before + mails;
  while (mail.received() < target && performance.now() - started < 180_000) await sleep(50);
  const drain = { mails, seconds: (performance.now() - started) / 1000, arrived: mail.received() >= target };
  console.log(`    ${outboxLine(drain)}`);
  return drain;
}
function outboxLine(d: OutboxDrain): string {
  return `outbox: the last of ${d.mails} reset mails ${d.arrived ? 'arrived' : 'had NOT arrived'} ${fmt(d.seconds, 1)} s after the last answer`;
}

/** RSS and the V8 heap of a single-process gateway, as its /metrics tells them. */
async function memoryOf(gateway: Server): Promise<string> {
  const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
  const mib = (name: string) => fmt(Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN) / 2 ** 20, 0);
  return `RSS ${mib('process_resident_memory_bytes')} MiB, V8 heap ${mib('nodejs_heap_size_used_bytes')} MiB used of ${mib('nodejs_heap_size_total_bytes')}, external ${mib('nodejs_external_memory_bytes')} MiB`;
}

/** Heap bytes per entry of each in-process cache, measured in a process of its own (bench/cache-costs.ts). */
function cacheCosts(): Promise<CacheCost[]> {
  return jsonOfChild<CacheCost[]>('cache costs', ['--expose-gc', path.resolve('dist/bench/cache-costs.js')]);
}

/** Runs a node script of the bench in a child process and parses the JSON it prints. */
async function jsonOfChild<T>(name: string, args: string[]): Promise<T> {
  const child = spawn(process.execPath, args, { env: serverEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  onStop(name, async () => void child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${name} exited with ${code}`);
  return JSON.parse(output) as T;
}

function cacheCostTable(costs: CacheCost[]): string {
  const lines = ['| cache | heap bytes per entry, measured | bytes the cache counts per entry |', '| --- | ---: | ---: |'];
  for (const c of costs) lines.push(`| ${c.cache} | ${fmt(c.measuredBytes, 0)} | ${fmt(c.estimatedBytes, 0)}${c.estimatedBytes < c.measuredBytes ? ' (UNDER)' : ''} |`);
  return `${lines.join('\n')}\n`;
}

/** The storm on the Redis stack's measured gateway, after the rounds. */
async function refreshStorm(target: Target, stores: number[]): Promise<Measurement> {
  console.log(`refresh storm: making ${settings.stormSessions} sessions whose access tokens expire`);
  const sessions = await expiredSessions(target.stack, settings.stormSessions, 'storm');
  await settle([target.gateway.pid, target.seeder.pid, ...stores]);
  console.log(`refresh storm: ${sessions.length} refreshes, ${settings.stormConnections} at a time`);
  const m = await storm(sessions, target.gateway, { connections: settings.stormConnections, storePids: stores });
  console.log(`  ${stormLine(m)}`);
  return m;
}

function stormLine(m: Measurement): string {
  return (
    `refresh storm (redis, one process): ${m.ok} of ${settings.stormSessions} sessions refreshed in ${fmt(m.seconds, 1)} s ` +
    `(${fmt(m.reqPerSec, 0)} req/s), p50 ${fmt(m.p50, 1)} ms, p99 ${fmt(m.p99, 1)} ms, server ${fmt(m.cpuMicrosPerRequest, 0)} µs/req, errors ${m.errors}`
  );
}

// ---------------------------------------------------------------------------------------------

/** One PostgreSQL (a database per stack) and one redis-server, on loopback, for the whole run. */
async function startStores() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'auth-gateway-bench-'));
  onStop('temporary directory', () => rm(dataDir, { recursive: true, force: true }));
  console.log(`starting PostgreSQL (embedded, in ${dataDir}) and redis-server`);
  const postgres = await startEmbeddedPostgres(dataDir, (line) => process.stderr.write(`${line}\n`));
  onStop('PostgreSQL', () => postgres.stop());
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  for (const name of ['bench_redis', 'bench_postgres', 'bench_workers']) await client.query(`create database ${name}`);
  await client.end();
  const redis = await startRedis();
  return {
    databaseUrl: (name: string) => postgres.url.replace(/\/[^/]+$/, `/${name}`),
    redisUrl: redis.url,
    storePids: { postgres: postmasterPid(path.join(dataDir, 'postgres')), redis: redis.pid },
  };
}

/** Seeds a stack's users and sessions, then starts its measured gateway. */
async function prepare(stack: Stack, allScenarios: boolean): Promise<Target> {
  console.log(`seeding and starting the gateway (${stack.name})`);
  const started = performance.now();
  const seeder = await startSeeder(stack);
  const seeded = await seed(seeder, {
    meUsers: settings.users,
    // Each run loses up to one chain per connection (requests still in flight when it ends).
    refreshSessions: allScenarios ? settings.connections * (settings.rounds + 2) : 0,
    logoutSessionsPerRound: allScenarios ? settings.logoutSessions : 0,
    rounds: settings.rounds,
  });
  const tag = stack.keyPrefix.replace(/\W/g, '');
  const resetEmails = allScenarios ? await resetAccounts(stack.databaseUrl, tag, settings.rounds, settings.resetRequests) : [];
  const withFactor = allScenarios ? await mfaUsers(seeder.url, tag, settings.rounds * settings.mfaChallenges) : [];
  const gateway = await startGateway(stack, { name: `gateway (${stack.name})`, bcryptCost: settings.bcryptCost });
  const accounts = allScenarios ? await signInAccounts(gateway.url, settings.signInAccounts) : [];
  console.log(`  ready in ${fmt((performance.now() - started) / 1000, 1)} s (pid ${gateway.pid}, ${gateway.url})`);
  return { stack, gateway, seeder, mfaUsers: withFactor, pools: { ...seeded, signInAccounts: accounts, resetEmails, mfaChallenges: [] } };
}

/** bcrypt.compare per second at the bench cost, in a child process of its own (no load generator beside it). */
async function bcryptCeiling(): Promise<Measurement> {
  const args = [path.resolve('dist/bench/baselines/bcrypt-ceiling.js'), String(settings.bcryptCost), String(settings.seconds), String(settings.bcryptInFlight)];
  const r = await jsonOfChild<{ compares: number; seconds: number; perSecond: number; cpuMicrosPerCompare: number }>('bcrypt ceiling', args);
  return { reqPerSec: r.perSecond, p50: NaN, p99: NaN, cpuMicrosPerRequest: r.cpuMicrosPerCompare, storeCpuMicrosPerRequest: 0, errors: 0, ok: r.compares, seconds: r.seconds };
}

/** BENCH_PROFILE: the gateway (Redis store, or BENCH_PROFILE_STORE) under one load with node --cpu-prof; prints the top self times. */
async function profile(scenario: Profiled, stack: Stack, stores: number[]): Promise<void> {
  const profileDir = await mkdtemp(path.join(tmpdir(), 'auth-gateway-profile-'));
  const seeder = await startSeeder(stack);
  const seeded = await seed(seeder, { meUsers: settings.users, refreshSessions: settings.connections * 4, logoutSessionsPerRound: settings.logoutSessions, rounds: 2 });
  const withFactor = scenario === 'completeMfa' ? await mfaUsers(seeder.url, 'profile', 2 * settings.mfaChallenges) : [];
  const gateway = await startGateway(stack, {
    name: `gateway (${stack.name}, profiled)`,
    bcryptCost: settings.bcryptCost,
    extraEnv: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` },
  });
  const pools: Pools = {
    ...seeded,
    signInAccounts: scenario === 'signIn' ? await signInAccounts(gateway.url, settings.signInAccounts) : [],
    resetEmails: scenario === 'requestPasswordReset' ? await resetAccounts(stack.databaseUrl, 'profile', 2, settings.resetRequests) : [],
    mfaChallenges: [],
  };
  // Scenarios that spend a pool per round: the warm-up spends the first, the measured run the second.
  let run = 0;
  const load = () => (scenario === 'logout' || scenario === 'requestPasswordReset' ? loads[scenario](pools, run++) : loads[scenario](pools));
  const mint = async () => {
    if (scenario === 'completeMfa') pools.mfaChallenges = await mintChallenges(seeder.url, withFactor, settings.mfaChallenges);
  };
  const options = { url: gateway.url, seconds: settings.warmupSeconds || 1, connections: settings.connections, serverPids: [gateway.pid], storePids: stores };
  await mint();
  await drive(load(), options);
  await mint();
  const m = await drive(load(), { ...options, seconds: settings.seconds });
  await seeder.stop();
  console.log(`${scenario} (${stack.name}, profiled): ${fmt(m.reqPerSec, 0)} req/s, p50 ${fmt(m.p50, 1)} ms, p99 ${fmt(m.p99, 1)} ms, server ${fmt(m.cpuMicrosPerRequest, 0)} µs/req, errors ${m.errors}`);
  await gateway.stop(); // the profile is written as the process exits
  const files = (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile in ${profileDir}`);
  for (const file of files) console.log(`\n${summarizeProfile(path.join(profileDir, file), 15)}`);
  console.log(`\nprofiles kept in ${profileDir} (open them in Chrome DevTools › Performance)`);
}

/** The goals of issue 19, each with what this run measured. */
function printTargets(report: Report, stormResult: Measurement | undefined): void {
  const rows = report.medians();
  const verdict = (met: boolean) => (met ? 'met   ' : 'MISSED');
  console.log('targets:');
  const goals: Array<[string, number]> = [
    ['me', 0.85],
    ['loginState', 1.0],
    ['refresh', 0.5],
    ['logout', 0.5],
    ['signIn', 0.95],
    ['signUp', 0.95],
    ['requestPasswordReset', 0.3],
  ];
  for (const store of ['redis', 'postgres']) {
    for (const [scenario, redisGoal] of goals) {
      // PostgreSQL sessions: half the Redis goal for the write path.
      const goal = store === 'postgres' && (scenario === 'refresh' || scenario === 'logout') ? redisGoal / 2 : redisGoal;
      const ratio = report.ratio(scenario, store);
      console.log(`  ${verdict(ratio !== undefined && ratio.value >= goal)} ${scenario} (${store}): ${ratio?.value.toFixed(2) ?? '—'}× ${ratio?.label ?? ''} (goal ≥ ${goal}×)`);
    }
  }
  const one = rows.find((r) => r.scenario === 'me' && r.store === 'redis');
  const two = rows.find((r) => r.scenario === ME_WORKERS_2);
  if (one && two) {
    const cost = two.m.cpuMicrosPerRequest / one.m.cpuMicrosPerRequest;
    console.log(`  ${verdict(cost <= 1.1)} WORKERS=2: ${fmt(two.m.cpuMicrosPerRequest, 0)} µs CPU per me against ${fmt(one.m.cpuMicrosPerRequest, 0)} with one (${cost.toFixed(2)}×, goal ≤ 1.10×); req/s ${(two.m.reqPerSec / one.m.reqPerSec).toFixed(2)}×`);
  }
  const rss = report.maxRss();
  for (const [gateway, bytes] of rss) console.log(`  ${verdict(bytes < 250 * 2 ** 20)} RSS of ${gateway}: at most ${fmt(bytes / 2 ** 20, 0)} MiB (goal < 250 MiB)`);
  if (stormResult) {
    const met = stormResult.errors === 0 && stormResult.ok === settings.stormSessions && stormResult.seconds <= 60;
    console.log(`  ${verdict(met)} refresh storm: ${stormResult.ok} sessions in ${fmt(stormResult.seconds, 1)} s, ${stormResult.errors} errors, p99 ${fmt(stormResult.p99, 1)} ms (goal: all within 60 s, none failing)`);
  }
}

// ---------------------------------------------------------------------------------------------

/** The environment of baseline servers: production, quiet. */
function serverEnv(): Record<string, string> {
  return { NODE_ENV: 'production', LOG_LEVEL: 'warn' };
}

/** True when the built gateway reads WORKERS (the multi-process mode of src/main.ts). */
function supportsWorkers(): boolean {
  const config = 'dist/src/config/config.js';
  return existsSync(config) && /['"]WORKERS['"]/.test(readFileSync(config, 'utf8')) && readFileSync('src/main.ts', 'utf8').includes('WORKERS');
}

function profiledScenario(raw: string | undefined): Profiled | undefined {
  if (raw === undefined || raw === '' || raw === '0') return undefined;
  const scenario = PROFILED[raw as keyof typeof PROFILED];
  if (!scenario) throw new Error(`BENCH_PROFILE must be 1 or one of ${Object.keys(PROFILED).slice(1).join(', ')}, got "${raw}"`);
  return scenario;
}

function setting(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return value;
}

// embedded-postgres (imported above) hooks SIGINT/SIGTERM to exit at once: stop our children first.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.removeAllListeners(signal);
  process.once(signal, () => {
    console.error(`\n${signal}: stopping everything the bench started`);
    void stopAll().finally(() => process.exit(130));
  });
}
// A throw inside a load generator callback escapes main(): clean up all the same.
process.once('uncaughtException', (error) => {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  void stopAll().finally(() => process.exit(1));
});

let exitCode = 0;
try {
  await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  await stopAll();
}
process.exit(exitCode);
