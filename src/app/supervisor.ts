import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config/config.js';
import { startEmbeddedPostgres } from '../infra/embedded-postgres.js';
import type { Logger } from '../infra/logger.js';
import { onStopSignal } from './stop-signal.js';

/**
 * WORKERS > 1: this process supervises that many gateway processes (node:cluster), which share
 * the port, PostgreSQL and Redis like any set of instances. Without DATABASE_URL the embedded
 * PostgreSQL is started here, once, for all of them. A worker that dies is replaced; SIGTERM or
 * SIGINT drains every worker, then stops the embedded database, and exits 0.
 */
export async function supervise(config: Config, logger: Logger): Promise<void> {
  const embedded = config.databaseUrl === null ? await startEmbeddedPostgres(config.dataDir, (line) => logger.warn(line)) : null;
  const env = embedded ? { DATABASE_URL: embedded.url } : {};
  let stopping = false;
  const start = (): Worker => cluster.fork(env);

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ pid: worker.process.pid, code, signal }, 'a gateway worker died: starting another in a second');
    // A pause, so a worker that cannot start (its database down, say) is not restarted in a tight loop.
    setTimeout(() => stopping || start(), 1_000);
  });
  for (let i = 0; i < config.workers; i += 1) start();
  logger.info(`supervising ${config.workers} gateway workers`);

  onStopSignal((signal) => {
    stopping = true;
    logger.info(`${signal} received: stopping ${config.workers} gateway workers`);
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    const exited = workers.map((worker) => new Promise<void>((resolve) => worker.once('exit', () => resolve())));
    for (const worker of workers) worker.process.kill('SIGTERM');
    Promise.all(exited)
      .then(() => embedded?.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  });
}
