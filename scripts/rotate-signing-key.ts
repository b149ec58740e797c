/**
 * `npm run keys:rotate [-- --now]`: starts a new generated signing key. It is published in JWKS at
 * once and signs new tokens after KEY_PUBLISH_AHEAD (so routers polling JWKS know it first; `--now`
 * skips the wait). Older keys keep verifying until their tokens expire: nobody is logged out.
 * Running gateways pick the change up by themselves.
 */
import 'reflect-metadata';
import { configFromProcess } from '../src/config/from-process.js';
import { startEmbeddedPostgres } from '../src/infra/embedded-postgres.js';
import { openDatabase } from '../src/infra/orm.js';
import { KEY_PUBLISH_AHEAD_MS } from '../src/services/signing-keyring.js';
import { generateSigningKey } from '../src/services/signing-keys.js';
import { SigningKeyStore } from '../src/stores/signing-key-store.js';

const config = configFromProcess();
if (config.jwtPrivateKeyPem !== null) {
  process.stderr.write('The signing key comes from JWT_PRIVATE_KEY(_FILE): set the new key there and restart the gateways instead.\n');
  process.exit(2);
}
// Without DATABASE_URL the gateway's embedded PostgreSQL holds the keys; it must not be running now.
const embedded = config.databaseUrl === null ? await startEmbeddedPostgres(config.dataDir, (line) => process.stderr.write(`${line}\n`)) : null;
try {
  const orm = await openDatabase(embedded?.url ?? config.databaseUrl!);
  try {
    const now = new Date();
    const activeFrom = new Date(now.getTime() + (process.argv.includes('--now') ? 0 : KEY_PUBLISH_AHEAD_MS));
    const kid = await new SigningKeyStore(orm).rotate(generateSigningKey, now, activeFrom);
    const lastOldToken = new Date(activeFrom.getTime() + config.accessTokenTtlMs);
    process.stdout.write(`new signing key ${kid}: in JWKS now, signing from ${activeFrom.toISOString()}; older keys verify until ${lastOldToken.toISOString()}\n`);
  } finally {
    await orm.close(true);
  }
} finally {
  await embedded?.stop();
}
