import { randomBytes } from 'node:crypto';
import { access, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const FILE = 'key-encryption.key';

/**
 * The configured key-encryption key, or the one generated under `dataDir` on first start (mode
 * 0600), read as it is on every later start. A database dump alone then never holds a usable
 * signing key.
 */
export async function keyEncryptionKey(configured: Buffer | null, dataDir: string): Promise<{ key: Buffer; generatedAt: string | null }> {
  if (configured) return { key: configured, generatedAt: null };
  const file = path.resolve(dataDir, FILE);
  if (!(await exists(file))) await create(file);
  const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte key`);
  return { key, generatedAt: file };
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Written aside and linked into place: of instances creating it together the first link wins, and
 * none reads a half-written file.
 */
async function create(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(aside, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  try {
    await link(aside, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(aside, { force: true });
  }
}
