/**
 * `npm run bench`: the gateway's throughput, latency and CPU per request next to what the same
 * machine does with a bare node:http server, a bare Apollo Server and bcrypt alone.
 *
 * Starts its own PostgreSQL and redis-server on loopback, the baselines and the gateway (Redis
 * store, PostgreSQL store, and WORKERS=2 when the build supports it) as child processes, and
 * drives them with autocannon from this process. Scenarios are interleaved over rounds; the
 * final table holds the medians. Everything started is stopped at the end, on failure and on
 * Ctrl-C. BENCH_PROFILE=1 (or =me, =refresh, =loginState, =signIn) instead profiles the gateway (Redis
 * store; BENCH_PROFILE_STORE=postgres for the other) under that one load with node --cpu-prof and
 * prints where its CPU time went.
 *
 * Settings (environment): BENCH_ROUNDS (3), BENCH_DURATION seconds (5), BENCH_CONNECTIONS (50),
 * BENCH_BCRYPT_COST (10), BENCH_WARMUP seconds (2), BENCH_USERS (100),
 * BENCH_LOGOUT_SESSIONS per round (1000 × BENCH_DURATION; a logout run ends when they are all
 * logged out), BENCH_BCRYPT_IN_FLIGHT (4), BENCH_PROFILE (off).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/infra/embedded-postgres.js';
import { freePort, onStop, postmasterPid, rssBytes, type Server, settle, startNodeServer, startRedis, stopAll } from './processes.js';
import { summarizeProfile } from './profile-summary.js';
import { type BaselineRef, fmt, Report } from './report.js';
import { drive, type Load, loads, type Measurement, type Pools } from './scenarios.js';
import { seed, signInAccounts, type Stack, startGateway } from './stack.js';

const seconds = setting('BENCH_DURATION', 5, 1);
const PROFILED = { '1': 'me', me: 'me', refresh: 'refresh', loginState: 'loginState', signIn: 'signIn' } as const;
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
  bcryptInFlight: setting('BENCH_BCRYPT_IN_FLIGHT', 4, 1),
  signInAccounts: 20,
  profile: profiledScenario(process.env.BENCH_PROFILE),
};

const GATEWAY_SCENARIOS = ['me', 'loginState', 'refresh', 'logout', 'signIn', 'signUp'] as const;
const BARE_HTTP = 'bare http';
const BARE_APOLLO = 'bare Apollo { hello }';
const BCRYPT = `bcrypt ceiling (cost ${settings.bcryptCost})`;
const ME_WORKERS_2 = 'me, WORKERS=2';

function baselineOf(scenario: string, store: string): BaselineRef | undefined {
  if (scenario === BARE_APOLLO) return { scenario: BARE_HTTP, store: '—', label: 'bare http' };
  if (['me', 'loginState', 'refresh', 'logout'].includes(scenario)) return { scenario: BARE_APOLLO, store: '—', label: 'bare Apollo' };
  if (['signIn', 'signUp'].includes(scenario)) return { scenario: BCRYPT, store: '—', label: 'bcrypt ceiling' };
  if (scenario === ME_WORKERS_2) return { scenario: 'me', store, label: 'WORKERS=1' };
  return undefined;
}

interface Target {
  stack: Stack;
  gateway: Server;
  pools: Pools;
}

async function main(): Promise<void> {
  const settingsLine =
    `${settings.rounds} round(s) of ${settings.seconds} s, ${settings.connections} connections, bcrypt cost ${settings.bcryptCost}, ` +
    `logout ${settings.logoutSessions} sessions per round, bcrypt ceiling with ${settings.bcryptInFlight} compares in flight`;
  console.log(`auth-gateway bench: ${settingsLine}`);

  const { databaseUrl, redisUrl, storePids } = await startStores();
  const stacks: Stack[] = [
    { name: 'redis', store: 'redis', databaseUrl: databaseUrl('bench_redis'), redisUrl, keyPrefix: 'bench-redis:', workers: 1 },
    { name: 'postgres', store: 'postgres', databaseUrl: databaseUrl('bench_postgres'), redisUrl: null, keyPrefix: 'bench-pg:', workers: 1 },
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
    ? { name: 'redis, WORKERS=2', store: 'redis', databaseUrl: databaseUrl('bench_workers'), redisUrl, keyPrefix: 'bench-w2:', workers: 2 }
    : undefined;
  if (!workersSupported) console.log('scale-out: skipped, this build does not read WORKERS (src/config, src/main.ts)');

  console.log('starting the baselines');
  const bareHttp = await startNodeServer({ name: BARE_HTTP, script: path.resolve('dist/bench/baselines/bare-http.js'), env: serverEnv(), port: await freePort() });
  const bareApollo = await startNodeServer({ name: BARE_APOLLO, script: path.resolve('dist/bench/baselines/bare-apollo.js'), env: serverEnv(), port: await freePort() });

  const targets: Target[] = [];
  for (const stack of stacks) targets.push(await prepare(stack, true));
  const scaleOutTarget = scaleOut && (await prepare(scaleOut, false));
  const allTargets = [...targets, ...(scaleOutTarget ? [scaleOutTarget] : [])];
  const quietPids = [bareHttp.pid, bareApollo.pid, ...allTargets.map((t) => t.gateway.pid), ...stores];
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
  for (const t of allTargets) report.addRss(`gateway (${t.stack.name})`, rssBytes(t.gateway.pid));
  for (let round = 1; round <= settings.rounds; round++) {
    console.log(`round ${round} of ${settings.rounds}`);
    report.add({ round, scenario: BARE_HTTP, store: '—', m: await run(loads.bareHttp(), bareHttp) });
    report.add({ round, scenario: BARE_APOLLO, store: '—', m: await run(loads.hello(), bareApollo) });
    await settle(quietPids);
    report.add({ round, scenario: BCRYPT, store: '—', m: await bcryptCeiling() });
    for (const { stack, gateway, pools } of targets) {
      for (const scenario of GATEWAY_SCENARIOS) {
        const load = {
          me: () => loads.me(pools),
          loginState: () => loads.loginState(),
          refresh: () => loads.refresh(pools),
          logout: () => loads.logout(pools, round - 1),
          signIn: () => loads.signIn(pools),
          signUp: () => loads.signUp(`${stack.store}-r${round}`),
        }[scenario]();
        report.add({ round, scenario, store: stack.name, m: await run(load, gateway) });
      }
    }
    if (scaleOutTarget) {
      const w1 = targets[0]!;
      report.add({ round, scenario: ME_WORKERS_2, store: w1.stack.name, m: await run(loads.me(scaleOutTarget.pools), scaleOutTarget.gateway) });
    }
    for (const t of allTargets) report.addRss(`gateway (${t.stack.name})`, rssBytes(t.gateway.pid));
  }

  console.log('\n## Results (medians over rounds; errors summed)\n');
  console.log(report.markdown(settingsLine));
  console.log(`\n${report.rssTable()}\n`);
  printTargets(report);
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
  const seeded = await seed(stack, {
    meUsers: settings.users,
    // Each run loses up to one chain per connection (requests still in flight when it ends).
    refreshSessions: allScenarios ? settings.connections * (settings.rounds + 2) : 0,
    logoutSessionsPerRound: allScenarios ? settings.logoutSessions : 0,
    rounds: settings.rounds,
  });
  const gateway = await startGateway(stack, { name: `gateway (${stack.name})`, bcryptCost: settings.bcryptCost });
  const accounts = allScenarios ? await signInAccounts(gateway.url, settings.signInAccounts) : [];
  console.log(`  ready in ${fmt((performance.now() - started) / 1000, 1)} s (pid ${gateway.pid}, ${gateway.url})`);
  return { stack, gateway, pools: { ...seeded, signInAccounts: accounts } };
}

/** bcrypt.compare per second at the bench cost, in a child process of its own (no load generator beside it). */
async function bcryptCeiling(): Promise<Measurement> {
  const args = [path.resolve('dist/bench/baselines/bcrypt-ceiling.js'), String(settings.bcryptCost), String(settings.seconds), String(settings.bcryptInFlight)];
  const child = spawn(process.execPath, args, { env: serverEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  onStop('bcrypt ceiling', async () => void child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bcrypt ceiling exited with ${code}`);
  const r = JSON.parse(output) as { compares: number; seconds: number; perSecond: number; cpuMicrosPerCompare: number };
  return { reqPerSec: r.perSecond, p50: NaN, p99: NaN, cpuMicrosPerRequest: r.cpuMicrosPerCompare, storeCpuMicrosPerRequest: 0, errors: 0, ok: r.compares, seconds: r.seconds };
}

/** BENCH_PROFILE: the gateway (Redis store, or BENCH_PROFILE_STORE) under one load with node --cpu-prof; prints the top self times. */
async function profile(scenario: Profiled, stack: Stack, stores: number[]): Promise<void> {
  const profileDir = await mkdtemp(path.join(tmpdir(), 'auth-gateway-profile-'));
  const seeded = await seed(stack, { meUsers: settings.users, refreshSessions: settings.connections * 4, logoutSessionsPerRound: 0, rounds: 0 });
  const gateway = await startGateway(stack, {
    name: `gateway (${stack.name}, profiled)`,
    bcryptCost: settings.bcryptCost,
    extraEnv: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` },
  });
  const pools: Pools = { ...seeded, signInAccounts: scenario === 'signIn' ? await signInAccounts(gateway.url, settings.signInAccounts) : [] };
  const load = () => loads[scenario](pools);
  const options = { url: gateway.url, seconds: settings.warmupSeconds || 1, connections: settings.connections, serverPids: [gateway.pid], storePids: stores };
  await drive(load(), options);
  const m = await drive(load(), { ...options, seconds: settings.seconds });
  console.log(`${scenario} (${stack.name}, profiled): ${fmt(m.reqPerSec, 0)} req/s, p50 ${fmt(m.p50, 1)} ms, p99 ${fmt(m.p99, 1)} ms, server ${fmt(m.cpuMicrosPerRequest, 0)} µs/req, errors ${m.errors}`);
  await gateway.stop(); // the profile is written as the process exits
  const files = (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile in ${profileDir}`);
  for (const file of files) console.log(`\n${summarizeProfile(path.join(profileDir, file), 15)}`);
  console.log(`\nprofiles kept in ${profileDir} (open them in Chrome DevTools › Performance)`);
}

function printTargets(report: Report): void {
  const rows = report.medians();
  console.log('targets:');
  for (const store of ['redis', 'postgres']) {
    const me = rows.find((r) => r.scenario === 'me' && r.store === store);
    const check = (name: string, ratio: number | undefined, goal: number, extra = '') =>
      console.log(`  ${ratio !== undefined && ratio >= goal ? 'met   ' : 'MISSED'} ${name} (${store}): ${ratio?.toFixed(2) ?? '—'}× (goal ≥ ${goal}×)${extra}`);
    check('me vs bare Apollo', report.ratio('me', store)?.value, 0.85, me ? `, p99 ${fmt(me.m.p99, 1)} ms (goal < 10 ms${me.m.p99 < 10 ? ': met' : ': MISSED'})` : '');
    check('refresh vs bare Apollo', report.ratio('refresh', store)?.value, 0.5);
    check('signIn vs bcrypt ceiling', report.ratio('signIn', store)?.value, 0.9);
  }
  const scale = report.ratio(ME_WORKERS_2, 'redis');
  if (scale) console.log(`  scale-out: me with WORKERS=2 is ${scale.value.toFixed(2)}× WORKERS=1 (redis store)`);
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
  if (!scenario) throw new Error(`BENCH_PROFILE must be 1, me, refresh, loginState or signIn, got "${raw}"`);
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
