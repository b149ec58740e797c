import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * When a gateway is killed outright (kill -9, a crash), its embedded PostgreSQL lives on, orphaned,
 * holding the data directory: the next start would fail. The gateway that owns the server writes
 * its pid beside it; a server whose owner is gone is stopped here (a fast shutdown, which is safe:
 * PostgreSQL recovers from its WAL). One whose owner still runs is left alone, and the start fails
 * with a clear message.
 */
export async function stopOrphanedPostgres(clusterDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgresOf(pid, clusterDir)) return;
  const owner = ownerOf(clusterDir);
  if (owner !== null && isAlive(owner)) throw new Error(`the embedded PostgreSQL in ${clusterDir} is in use by a running gateway (pid ${owner})`);
  log(`stopping the embedded PostgreSQL (pid ${pid}) left running by a gateway that did not shut down`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (isPostgresOf(pid, clusterDir)) {
    if (Date.now() > deadline) throw new Error(`the orphaned PostgreSQL (pid ${pid}) did not stop within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The port of the server a running gateway owns in `clusterDir`; null when there is none. */
export function portOfOwnedPostgres(clusterDir: string): number | null {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  // postmaster.pid: pid, data directory, start time, port, … one per line.
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n').map(Number);
  const owner = ownerOf(clusterDir);
  if (!pid || !port || !isPostgresOf(pid, clusterDir) || owner === null || !isAlive(owner)) return null;
  return port;
}

/** Records this process as the owner of the embedded server; `release` forgets it at a clean stop. */
export async function claimPostgres(clusterDir: string): Promise<{ release(): Promise<void> }> {
  const file = ownerFile(clusterDir);
  await writeFile(file, String(process.pid));
  return { release: () => rm(file, { force: true }) };
}

function ownerFile(clusterDir: string): string {
  return path.join(path.dirname(clusterDir), 'gateway.pid');
}

function ownerOf(clusterDir: string): number | null {
  try {
    return Number(readFileSync(ownerFile(clusterDir), 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return false;
  }
}

function isPostgresOf(pid: number, clusterDir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(clusterDir);
  } catch {
    return false;
  }
}
