import { spawn } from 'node:child_process';
import path from 'node:path';
import { type TestApp, TEST_KEY_ENCRYPTION_KEY } from './test-app.js';

export const ADMIN = path.resolve('dist/scripts/admin.js');

export interface AdminOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The admin CLI run with `settings` (plus PATH, NODE_ENV=test and the test apps' key-encryption key), `stdin` piped in. */
export function runAdmin(args: string[], stdin: string, settings: Record<string, string>): Promise<AdminOutcome> {
  const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'test', KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY, ...settings };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ADMIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/**
 * `npm run admin -- <args>` beside a running test app, with the settings an operator gives it:
 * the app's database, and with sessions in Redis its Redis and key prefix. `stdin` is what is
 * piped in (create-user reads the password from it).
 */
export function admin(app: TestApp, args: string[], stdin = ''): Promise<AdminOutcome> {
  return runAdmin(args, stdin, adminSettings(app));
}

/** What an operator sets for admin commands beside `app`: its database, and with sessions in Redis its Redis and key prefix. */
export function adminSettings(app: TestApp): Record<string, string> {
  return {
    DATABASE_URL: app.databaseUrl,
    REDIS_KEY_PREFIX: app.redisPrefix,
    BCRYPT_COST: '4',
    ...(app.gateway.sessionStore === 'redis' && { REDIS_URL: process.env.TEST_REDIS_URL! }),
  };
}

/** A command that must succeed with --json: its parsed answer. */
export async function adminJson<T>(app: TestApp, args: string[], stdin = ''): Promise<T> {
  const outcome = await admin(app, [...args, '--json'], stdin);
  if (outcome.code !== 0) throw new Error(`admin ${args.join(' ')} exited ${outcome.code}: ${outcome.stderr}`);
  return JSON.parse(outcome.stdout) as T;
}
