/**
 * `npm run soak`: a ledger-keeping load against the production-built gateway for SOAK_DURATION
 * (default 10m), while faults are injected in turn: Redis stopped 10 s, Redis frozen 5 s
 * (SIGSTOP), the SMTP server stopped 10 s, PostgreSQL stopped 10 s, the gateway killed (SIGKILL)
 * and restarted, the gateway stopped (SIGTERM) and restarted. Meanwhile users reset forgotten
 * passwords through mailed links (soak-mail.ts). Reports per phase the errors by code, the
 * slowest error, the time to recover, `me` p95 and the gateway's RSS; then checks the ledger
 * against the gateway and its stores (PostgreSQL and Redis, read directly) and the mailbox (every
 * requested mail arrived exactly once). Exits 1 when any check fails.
 *
 * Settings: SOAK_DURATION (e.g. 1m, 10m), SOAK_USERS (virtual users, default 24), SOAK_STORE
 * (redis or postgres, default redis), SOAK_BCRYPT_COST (default 6).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DRAIN_BOUND_MS } from '../src/app/gateway.js';
import { parseDuration } from '../src/config/duration.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../src/infra/embedded-postgres.js';
import { freePort, onStop, type Redis, rssBytes, type Server, sleep, startNodeServer, startRedis, stopAll } from './processes.js';
import { SmtpSink } from '../test/helpers/smtp-sink.js';
import { checkLedger, judgePhase, type Phase, type PhaseResult } from './soak-checks.js';
import { SoakLoad } from './soak-load.js';
import { SoakMail } from './soak-mail.js';
import { GATEWAY_ENTRY, GATEWAY_NODE_ARGS } from './stack.js';

const durationMs = parseDuration(process.env.SOAK_DURATION || '10m');
const userCount = Number(process.env.SOAK_USERS || 24);
const store = process.env.SOAK_STORE || 'redis';
const bcryptCost = process.env.SOAK_BCRYPT_COST || '6';
if (store !== 'redis' && store !== 'postgres') throw new Error('SOAK_STORE must be redis or postgres');
if (!Number.isInteger(userCount) || userCount < 1) throw new Error('SOAK_USERS must be a whole number ≥ 1');

const KEY_PREFIX = 'soak:';
const KEY_ENCRYPTION_KEY = randomBytes(32).toString('base64');
/** After a fault, how long the load runs on before the next one (at least). */
const AFTER_FAULT_MS = 8_000;
/** Users resetting their password at any one time. */
const MAIL_USERS = 3;

interface Fault {
  name: string;
  /** How long the fault lasts (a restart takes what it takes). */
  holdMs: number;
  allowed: readonly string[];
  /** Injects the fault, waits `holdMs`, ends it; resolves when it is over. */
  inject(): Promise<void>;
}

class Stack {
  postgres!: EmbeddedDatabase;
  redis: Redis | null = null;
  smtp!: SmtpSink;
  gateway!: Server;
  sigtermExit: number | string | null = null;
  sigtermMs = 0;
  /** The stopped gateway's last output, kept when its exit was not clean. */
  sigtermOutput = '';
  /** The last output of a gateway found dead before a fault that would have stopped it. */
  diedOnItsOwn: string[] = [];
  private postgresPort = 0;
  private gatewayPort = 0;

  constructor(private readonly dir: string) {}

  async start(): Promise<void> {
    this.postgres = await startEmbeddedPostgres(path.join(this.dir, 'pg'), log);
    onStop('PostgreSQL', () => this.postgres.stop());
    this.postgresPort = Number(new URL(this.postgres.url).port);
    if (store === 'redis') {
      await mkdir(path.join(this.dir, 'redis'));
      this.redis = await startRedis({ appendOnlyDir: path.join(this.dir, 'redis') });
    }
    this.smtp = await SmtpSink.start();
    onStop('SMTP server', () => this.smtp.close());
    this.gatewayPort = await freePort();
    await this.startGateway();
  }

  env(): Record<string, string> {
    return {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: this.postgres.url,
      ...(this.redis && { REDIS_URL: this.redis.url }),
      REDIS_KEY_PREFIX: KEY_PREFIX,
      // As an operator runs it: signing keys sealed under a key of its own, shared by every process.
      KEY_ENCRYPTION_KEY,
      BCRYPT_COST: bcryptCost,
      RATE_LIMIT_SIGNIN: '1000000/5m',
      RATE_LIMIT_REFRESH: '1000000/5m',
      RATE_LIMIT_SIGNUP: '1000000/5m',
      RATE_LIMIT_MAIL: '1000000/5m',
      SMTP_URL: this.smtp.url,
    };
  }

  async startGateway(): Promise<void> {
    this.gateway = await startNodeServer({ name: 'gateway', script: GATEWAY_ENTRY, nodeArgs: GATEWAY_NODE_ARGS, env: this.env(), port: this.gatewayPort, readyPath: '/readyz' });
  }

  get url(): string {
    return `http://127.0.0.1:${this.gatewayPort}`;
  }

  faults(): Fault[] {
    const storeDown = ['SERVICE_UNAVAILABLE'];
    // While a gateway is down nothing answers; requests already sent when it was killed are lost.
    const gatewayDown = ['GATEWAY_DOWN', 'SERVICE_UNAVAILABLE'];
    const redisFaults: Fault[] = [
      {
        name: 'Redis stopped 10 s',
        holdMs: 10_000,
        allowed: storeDown,
        inject: async () => {
          const { port } = this.redis!;
          await this.redis!.stop();
          await sleep(10_000);
          this.redis = await startRedis({ port, appendOnlyDir: path.join(this.dir, 'redis') });
        },
      },
      {
        name: 'Redis frozen 5 s',
        holdMs: 5_000,
        allowed: storeDown,
        inject: async () => {
          process.kill(this.redis!.pid, 'SIGSTOP');
          await sleep(5_000);
          process.kill(this.redis!.pid, 'SIGCONT');
        },
      },
    ];
    return [
      ...(this.redis ? redisFaults : []),
      {
        // The API never waits for SMTP: no error is allowed while it is away.
        name: 'SMTP stopped 10 s',
        holdMs: 10_000,
        allowed: [],
        inject: async () => {
          await this.smtp.stop();
          await sleep(10_000);
          await this.smtp.resume();
        },
      },
      {
        name: 'PostgreSQL stopped 10 s',
        holdMs: 10_000,
        allowed: storeDown,
        inject: async () => {
          await this.postgres.stop();
          await sleep(10_000);
          this.postgres = await startEmbeddedPostgres(path.join(this.dir, 'pg'), log, { port: this.postgresPort });
          onStop('PostgreSQL', () => this.postgres.stop());
        },
      },
      {
        name: 'gateway kill -9, restart',
        holdMs: 0,
        allowed: gatewayDown,
        inject: async () => {
          const { child } = this.gateway;
          if (child.exitCode !== null || child.signalCode !== null) {
            this.diedOnItsOwn.push(this.gateway.output().slice(-8_000));
          } else {
            const exited = new Promise((resolve) => child.once('exit', resolve));
            child.kill('SIGKILL');
            await exited;
          }
          await this.startGateway();
        },
      },
      {
        name: 'gateway SIGTERM, restart',
        holdMs: 0,
        allowed: gatewayDown,
        inject: async () => {
          const stopping = performance.now();
          await this.gateway.stop();
          this.sigtermExit = this.gateway.child.exitCode ?? this.gateway.child.signalCode;
          this.sigtermMs = performance.now() - stopping;
          if (this.sigtermExit !== 0) this.sigtermOutput = this.gateway.output().slice(-8_000);
          await this.startGateway();
        },
      },
    ];
  }
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), 'auth-gateway-soak-'));
  // Run as root, PostgreSQL runs as the postgres user and must pass through this directory to its
  // data in dir/pg (the gateway opens only directories of the project itself).
  await chmod(dir, 0o711);
  onStop('temporary directory', () => rm(dir, { recursive: true, force: true }));
  const stack = new Stack(dir);
  await stack.start();
  const faults = stack.faults();
  // The faults in turn, with quiet load before the first and after the last.
  const slotMs = Math.max(durationMs / (faults.length + 2), 0);
  console.log(`soak: ${userCount} users, sessions in ${store}, ${Math.round(durationMs / 1000)} s, ${faults.length} faults\n`);

  const load = new SoakLoad(stack.url, userCount);
  const mail = new SoakMail(load, stack.smtp, MAIL_USERS, faults.filter((fault) => /^(gateway kill|PostgreSQL)/.test(fault.name)).length);
  const running = Promise.all([load.run(), mail.runUntilStopped()]);
  const phases: Phase[] = [];
  const sampler = setInterval(() => phases.at(-1)?.rssBytes.push(rssBytes(stack.gateway.pid)), 1_000);
  const quiet = async (name: string) => {
    const phase: Phase = { name, start: performance.now(), end: 0, allowed: [], recoveredAt: null, rssBytes: [] };
    phases.push(phase);
    await sleep(Math.max(slotMs, 5_000));
    phase.end = performance.now();
  };
  await quiet('warm-up (no fault)');
  for (const fault of faults) {
    const phase: Phase = { name: fault.name, start: performance.now(), end: 0, allowed: fault.allowed, recoveredAt: null, rssBytes: [] };
    phases.push(phase);
    console.log(`fault: ${fault.name}`);
    await fault.inject();
    phase.recoveredAt = performance.now();
    await sleep(Math.max(slotMs - fault.holdMs, AFTER_FAULT_MS));
    phase.end = performance.now();
  }
  await quiet('cool-down (no fault)');
  clearInterval(sampler);
  load.stop();
  mail.stop();
  await running;
  await mail.cleanUp();

  const results = phases.map((phase) => judgePhase(phase, load.calls));
  printPhases(results);
  // The stores are read directly, not through the gateway's own code.
  const ledgerFailures = await checkLedger(load, { databaseUrl: stack.postgres.url, redisUrl: stack.redis?.url ?? null, keyPrefix: KEY_PREFIX });
  const mailFailures = await mail.check();
  const failures = [
    ...results.flatMap((result) => result.failures.map((failure) => `${result.phase.name}: ${failure}`)),
    ...load.violations.map((violation) => `ledger: ${violation}`),
    ...ledgerFailures,
    ...mailFailures.map((failure) => `mail: ${failure}`),
    ...stack.diedOnItsOwn.map((output) => `the gateway had exited on its own before it was to be killed; its last output:\n${output}`),
    ...(stack.sigtermExit === 0 ? [] : [`the gateway exited with ${String(stack.sigtermExit)} on SIGTERM, not 0; its last output:\n${stack.sigtermOutput}`]),
    ...(stack.sigtermMs < DRAIN_BOUND_MS ? [] : [`the gateway took ${(stack.sigtermMs / 1000).toFixed(1)} s to stop on SIGTERM: requests in flight were cut at the drain bound`]),
  ];
  const p95s = results.filter((result) => result.phase.recoveredAt === null).map((result) => result.p95Ms);
  console.log(`\n\`me\` p95: ${p95s.map((ms) => `${ms.toFixed(1)} ms`).join(' → ')} (first quiet phase → last)`);
  const rssMb = (phase: Phase | undefined) => Math.round((phase?.rssBytes.at(-1) ?? 0) / 1048576);
  console.log(`gateway RSS: ${rssMb(phases[0])} MB after the warm-up → ${rssMb(phases.at(-1))} MB at the end (restarted by the two gateway faults in between)`);
  console.log(`SIGTERM: the gateway exited ${String(stack.sigtermExit)} after ${Math.round(stack.sigtermMs)} ms`);
  console.log(`calls: ${load.calls.length}; sessions in the ledger: ${load.users.reduce((n, user) => n + user.sessions.length, 0)}`);
  console.log(mail.summary());
  if (failures.length === 0) {
    console.log('\nsoak: every check passed');
    return 0;
  }
  console.log(`\nsoak: ${failures.length} check(s) failed`);
  for (const failure of failures.slice(0, 50)) console.log(`  - ${failure}`);
  return 1;
}

function printPhases(results: PhaseResult[]): void {
  console.log('\n| phase | calls | errors by code | slowest error | recovered after | `me` p95 | gateway RSS (end) | verdict |');
  console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |');
  for (const result of results) {
    const errors = [...result.errors].map(([code, n]) => `${code} ×${n}`).join(', ') || 'none';
    const rss = result.phase.rssBytes.at(-1);
    console.log(
      `| ${result.phase.name} | ${result.calls} | ${errors} | ${result.slowestErrorMs ? `${Math.round(result.slowestErrorMs)} ms` : '-'} | ` +
        `${result.recoveryMs === null ? '-' : `${(result.recoveryMs / 1000).toFixed(1)} s`} | ${result.p95Ms.toFixed(1)} ms | ` +
        `${rss ? `${Math.round(rss / 1048576)} MB` : '-'} | ${result.failures.length === 0 ? 'ok' : 'FAILED'} |`,
    );
  }
}

// embedded-postgres hooks SIGINT/SIGTERM to exit at once: stop our children first.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.removeAllListeners(signal);
  process.once(signal, () => void stopAll().finally(() => process.exit(130)));
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await stopAll();
}
process.exit(exitCode);
