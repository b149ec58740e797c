import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { freePort } from './redis-server.js';

export interface RedisCluster {
  readonly nodes: Array<{ host: string; port: number }>;
  /** "127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3" */
  readonly seeds: string;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const SLOTS = 16384;
const PING_MS = 10_000;
// redis-cli re-checks the join once a second; it has taken from 1 to 9 s here.
const CREATE_MS = 30_000;
const CONVERGE_MS = 15_000;
// One key per master: with three masters the slots split 0-5460, 5461-10922 and 10923-16383,
// and the tags "b" (3300), "c" (7365) and "a" (15495) fall one into each range.
const PROBE_KEYS = ['{b}:cluster-probe', '{c}:cluster-probe', '{a}:cluster-probe'];

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Node {
  readonly port: number;
  readonly child: ChildProcess;
  readonly closed: Promise<void>;
}

/**
 * A real three-master Redis Cluster of our own on free loopback ports, without persistence or replicas.
 * Resolves only once every node agrees that all slots are served and a cluster client can read and write.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), 'redis-cluster-'));
  const started: Node[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // No pid means the spawn failed: kill() would then signal pid 0, our own process group.
      for (const { child } of started) if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await Promise.all(started.map((node) => node.closed));
      await rm(dir, { recursive: true, force: true });
    })());

  try {
    // Explicit bus ports, drawn like the client ports, because port + 10000 may be taken.
    const ports = await distinctFreePorts(6);
    const [clientPorts, busPorts] = [ports.slice(0, 3), ports.slice(3)];
    for (const [i, port] of clientPorts.entries()) started.push(spawnNode(dir, port, busPorts[i]!));
    const pinged = Date.now() + PING_MS;
    await Promise.all(started.map((node) => waitForPing(node, pinged)));
    await createCluster(clientPorts);
    // redis-cli exits once the nodes agree on the config, which can be before cluster_state:ok.
    const converged = Date.now() + CONVERGE_MS;
    await waitForAllSlots(started, converged);
    const nodes = clientPorts.map((port) => ({ host: HOST, port }));
    await waitForClusterClient(nodes, started, converged);
    return { nodes, seeds: nodes.map(({ host, port }) => `${host}:${port}`).join(','), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

function spawnNode(dir: string, port: number, busPort: number): Node {
  const args = [
    '--bind', HOST,
    '--port', String(port),
    '--cluster-enabled', 'yes',
    '--cluster-port', String(busPort),
    '--cluster-config-file', path.join(dir, `nodes-${port}.conf`),
    '--dir', dir,
    '--save', '',
    '--appendonly', 'no',
    '--cluster-node-timeout', '2000',
  ];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  // 'close' also fires when the spawn itself fails, 'exit' does not; the listener keeps a spawn error from being thrown.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.on('error', () => undefined);
  return { port, child, closed };
}

function assertAlive(nodes: readonly Node[]): void {
  for (const { port, child } of nodes) {
    if (child.pid === undefined) throw new Error(`redis-server for port ${port} could not be spawned (is it on PATH?)`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server on port ${port} exited early (${child.exitCode ?? child.signalCode})`);
    }
  }
}

function nodeClient(port: number): Redis {
  const client = new Redis({ host: HOST, port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  client.on('error', () => undefined); // unhandled ioredis errors go to console.error
  return client;
}

async function waitForPing(node: Node, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    assertAlive([node]);
    const client = nodeClient(node.port);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      await sleep(50);
    } finally {
      client.disconnect();
    }
  }
  throw new Error(`redis-server on port ${node.port} did not answer PING within ${PING_MS / 1000} s`);
}

async function createCluster(ports: readonly number[]): Promise<void> {
  const args = ['--cluster', 'create', ...ports.map((port) => `${HOST}:${port}`), '--cluster-replicas', '0', '--cluster-yes'];
  try {
    await run('redis-cli', args, { timeout: CREATE_MS, killSignal: 'SIGKILL' });
  } catch (error) {
    const { code, signal, stdout = '', stderr = '' } = error as { code?: number | string; signal?: string; stdout?: string; stderr?: string };
    throw new Error(`redis-cli --cluster create failed (${signal ?? code}):\n${stdout}${stderr}`.trimEnd(), { cause: error });
  }
}

/** Every node must itself say the cluster is ok with all slots assigned, or a client may start on a stale view. */
async function waitForAllSlots(nodes: readonly Node[], deadline: number): Promise<void> {
  let last = '';
  while (Date.now() < deadline) {
    assertAlive(nodes);
    const infos = await Promise.all(nodes.map((node) => clusterInfo(node.port)));
    const lagging = infos.findIndex((info) => !info.includes('cluster_state:ok') || !info.includes(`cluster_slots_assigned:${SLOTS}`));
    if (lagging === -1) return;
    last = `port ${nodes[lagging]!.port}: ${infos[lagging]!.replace(/\s+/g, ' ').slice(0, 200)}`;
    await sleep(100);
  }
  throw new Error(`Redis Cluster did not reach cluster_state:ok with all ${SLOTS} slots assigned within ${CONVERGE_MS / 1000} s; last: ${last}`);
}

async function clusterInfo(port: number): Promise<string> {
  const client = nodeClient(port);
  try {
    await client.connect();
    return (await client.call('CLUSTER', 'INFO')) as string;
  } catch (error) {
    return `error: ${(error as Error).message}`;
  } finally {
    client.disconnect();
  }
}

/** The end-to-end check: a cluster client discovers the slots and writes and reads one key on each master. */
async function waitForClusterClient(seeds: Array<{ host: string; port: number }>, nodes: readonly Node[], deadline: number): Promise<void> {
  let last: unknown;
  while (Date.now() < deadline) {
    assertAlive(nodes);
    const cluster = new Cluster(seeds, {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: () => null,
      redisOptions: { connectTimeout: 1000, commandTimeout: 1000, maxRetriesPerRequest: 0 },
    });
    cluster.on('error', () => undefined); // unhandled ioredis errors go to console.error
    try {
      await cluster.connect();
      for (const key of PROBE_KEYS) {
        await cluster.set(key, key);
        if ((await cluster.get(key)) !== key) throw new Error(`read back a different value for ${key}`);
        await cluster.del(key);
      }
      return;
    } catch (error) {
      last = error;
      await sleep(100);
    } finally {
      cluster.disconnect();
    }
  }
  throw new Error(`a Redis Cluster client could not write and read within ${CONVERGE_MS / 1000} s: ${(last as Error | undefined)?.message ?? 'no attempt'}`);
}
