/**
 * Child processes of the benchmark (servers, PostgreSQL, Redis), their clean-up, and what /proc
 * says about their CPU time and memory. Linux only (/proc).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { freePort } from '../src/infra/free-port.js';

const CLOCK_TICKS_PER_SECOND = clockTicks();

// ---------------------------------------------------------------------------------------------
// Clean-up: everything started registers how to stop it; stopAll() runs those in reverse order.

const stoppers: Array<{ name: string; stop: () => Promise<void> }> = [];

export function onStop(name: string, stop: () => Promise<void>): void {
  stoppers.push({ name, stop });
}

/** Stops everything started so far, newest first; each step is bounded and may fail alone. */
export async function stopAll(): Promise<void> {
  while (stoppers.length > 0) {
    const { name, stop } = stoppers.pop()!;
    try {
      await withTimeout(stop(), 15_000, `stopping ${name}`);
    } catch (error) {
      process.stderr.write(`bench: ${String(error)}\n`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Ports and children

export { freePort };


export interface Server {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** What the process printed so far (the last 64 KiB). */
  output(): string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  name: string;
  /** A script run with this Node (process.execPath). */
  script: string;
  env: Record<string, string>;
  port: number;
  /** Ready when this path answers 200 (or when a "listening on" line for the port is printed). */
  readyPath?: string;
  nodeArgs?: string[];
  timeoutMs?: number;
}

/**
 * Starts a Node server as its own process with exactly `env` (plus PATH) and waits until it
 * says it listens on `port`, or until `readyPath` answers 200 there.
 */
export async function startNodeServer(options: ServerOptions): Promise<Server> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
    env: { PATH: process.env.PATH ?? '', ...options.env, PORT: String(options.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-65_536);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${options.port}`;
  const server: Server = {
    name: options.name,
    pid: child.pid!,
    url,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // Past the gateway's 10 s drain bound and the closing steps after it, as an orchestrator's grace period would be.
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(killer);
    },
  };
  onStop(options.name, () => server.stop());

  const listening = new RegExp(`listening on http://127\\.0\\.0\\.1:${options.port}\\b`);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!listening.test(output)) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${options.name} exited (${child.exitCode ?? child.signalCode}) before it listened:\n${output}`);
    }
    if (Date.now() > deadline) throw new Error(`${options.name} did not listen within ${options.timeoutMs ?? 60_000} ms:\n${output}`);
    if (options.readyPath && (await answers200(`${url}${options.readyPath}`))) break;
    await sleep(100);
  }
  return server;
}

async function answers200(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Redis and PostgreSQL of our own, on loopback

export interface Redis {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Stops it (SIGTERM: with `appendOnlyDir`, Redis writes its append-only file first). */
  stop(): Promise<void>;
}

/**
 * redis-server on a free loopback port (or `port`), stopped by stopAll(). Without persistence,
 * unless `appendOnlyDir` is given: then it keeps an append-only file there, so sessions outlive a
 * restart on the same port and directory.
 */
export async function startRedis(options: { port?: number; appendOnlyDir?: string } = {}): Promise<Redis> {
  const port = options.port ?? (await freePort());
  const persistence = options.appendOnlyDir ? ['--appendonly', 'yes', '--dir', options.appendOnlyDir] : ['--appendonly', 'no'];
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  onStop('redis-server', stop);
  const deadline = Date.now() + 10_000;
  while (!(await redisPings(port))) {
    if (child.exitCode !== null || !child.pid) throw new Error('redis-server did not start (is it installed? apt-get install redis-server)');
    if (Date.now() > deadline) throw new Error('redis-server did not answer PING within 10 s');
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid!, stop };
}

function redisPings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** The postmaster's pid, from postmaster.pid in the cluster directory. */
export function postmasterPid(clusterDir: string): number {
  return Number(readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

// ---------------------------------------------------------------------------------------------
// /proc readings

interface ProcStat {
  ppid: number;
  ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
    // The c-fields hold the time of children already waited for (PostgreSQL's ended backends),
    // which would otherwise vanish from the tree between two readings.
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) };
  } catch {
    return undefined;
  }
}

/** `root` and every live descendant (a WORKERS=N gateway's workers, PostgreSQL's backends). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/**
 * User + system CPU time in microseconds of each tree: its live processes, plus the children
 * they have waited for. (A descendant whose parent has not waited for it yet is missed.)
 */
export function cpuMicros(roots: readonly number[]): number {
  let ticks = 0;
  for (const root of roots) for (const pid of processTree(root)) ticks += readStat(pid)?.ticks ?? 0;
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Waits until the trees use less than `maxCores` of CPU over a quarter of a second, so work left
 * over from a previous run (requests still queued when it ended, bcrypt above all) is not
 * measured in the next one. Gives up after `timeoutMs` and says so.
 */
export async function settle(roots: readonly number[], maxCores = 0.05, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let before = cpuMicros(roots);
  while (Date.now() < deadline) {
    await sleep(250);
    const now = cpuMicros(roots);
    if (now - before < maxCores * 250_000) return true;
    before = now;
  }
  return false;
}

/** Resident memory in bytes of the largest process among `root` and its descendants (a WORKERS=N gateway is N + 1 processes). */
export function rssBytes(root: number): number {
  let kib = 0;
  for (const pid of processTree(root)) {
    try {
      kib = Math.max(kib, Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0));
    } catch {
      // gone meanwhile
    }
  }
  return kib * 1024;
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

// ---------------------------------------------------------------------------------------------

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
