import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// Loaded through jest's CommonJS hook, where the .js-to-.ts mapping does not apply: take the
// built module (`npm test` builds first).
import { startEmbeddedPostgres } from '../../dist/src/infra/embedded-postgres.js';
import { startRedisServer } from './redis-server';
import { setServices } from './services-state';

/** One real PostgreSQL and one real Redis on loopback for the whole run; each test file isolates itself in them. */
export default async function globalSetup(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'auth-gateway-test-'));
  const postgres = await startEmbeddedPostgres(dataDir, (line) => process.stderr.write(`${line}\n`));
  let redis;
  try {
    redis = await startRedisServer();
  } catch (error) {
    await postgres.stop();
    throw error;
  }
  process.env.TEST_DATABASE_URL = postgres.url;
  process.env.TEST_REDIS_URL = redis.url;
  setServices({ postgres, redis, dataDir });
}
