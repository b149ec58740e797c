import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { watch } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/infra/embedded-postgres.js';

/**
 * Review item 11: embedded PostgreSQL as root. Traversal rights are added only under the project
 * (and to the data directory itself), and the superuser password never touches a world-readable file.
 */

const run = promisify(execFile);
const asRoot = process.getuid?.() === 0;
// Only root can make a directory the postgres user cannot pass (as the test starts PostgreSQL as root).
const itAsRoot = asRoot ? it : it.skip;
/** The built module (`npm test` builds first), for a process of its own. */
const EMBEDDED = path.resolve('dist/src/infra/embedded-postgres.js');
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'auth-gateway-embedded-files-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

itAsRoot('a DATA_DIR below a directory outside the project that others cannot pass → refused with its name, its mode unchanged', async () => {
  const closed = path.join(scratch, 'closed');
  await mkdir(closed, { mode: 0o700 });
  await chmod(closed, 0o700);
  await expect(startEmbeddedPostgres(path.join(closed, 'data'), () => undefined)).rejects.toThrow(new RegExp(`cannot pass through ${closed}`));
  expect((await stat(closed)).mode & 0o777).toBe(0o700);
});

it('initdb gets the superuser password from no file in the temporary directory', async () => {
  // A directory of its own in the system's temporary directory, as an operator's DATA_DIR would be.
  const dataDir = await mkdtemp(path.join(tmpdir(), 'auth-gateway-embedded-data-'));
  // A temporary directory like /tmp (anyone may write, and read what the umask leaves readable).
  const temporary = await mkdtemp(path.join(tmpdir(), 'auth-gateway-embedded-tmp-'));
  await chmod(temporary, 0o1777);
  const seen: string[] = [];
  const watcher = watch(temporary, (_event, name) => name && seen.push(name));
  try {
    // Its own process: TMPDIR is read from the real environment, which a test file cannot change.
    // Asynchronously, so the watcher hears every file as it comes and goes.
    const started = await run(
      process.execPath,
      ['--input-type=module', '-e', 'const { startEmbeddedPostgres } = await import(process.argv[1]); await (await startEmbeddedPostgres(process.argv[2], () => undefined)).stop();', EMBEDDED, dataDir],
      { env: { ...process.env, TMPDIR: temporary }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(started.stderr).toBe('');
  } finally {
    watcher.close();
  }
  expect(seen.filter((name) => name.startsWith('pg-password'))).toEqual([]);
  expect(await readdir(temporary)).toEqual([]);
  // The private directory it used instead is gone again.
  expect((await readdir(dataDir)).filter((name) => name.startsWith('init-'))).toEqual([]);
  await rm(dataDir, { recursive: true, force: true });
  await rm(temporary, { recursive: true, force: true });
}, 90_000);
