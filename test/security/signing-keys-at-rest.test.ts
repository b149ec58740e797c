import { generateSigningKey } from '../../src/services/signing-keys.js';
import { loginState, signUp } from '../helpers/accounts.js';
import { runAdmin } from '../helpers/admin-cli.js';
import { eventually } from '../helpers/eventually.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Review item 6: signing keys in plain text, kept for ever. Private parts are sealed under the
 * key-encryption key, and erased once a key stops signing.
 */

const MINUTE = 60_000;
type KeyRow = { kid: string; sealed_private_key: string | null; public_key_pem: string | null; retired_at: Date | null };
const keyRows = (app: TestApp) => app.sql<KeyRow>('select kid, sealed_private_key, public_key_pem, retired_at from signing_keys order by created_at');

describe('signing keys at rest', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(() => app.close());

  it('no stored private part is readable: nothing in signing_keys holds a PEM private key', async () => {
    const rows = await keyRows(app);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.sealed_private_key).not.toContain('BEGIN');
    const dump = (await app.sql<{ row: string }>('select row_to_json(k)::text as row from signing_keys k')).map((r) => r.row).join('\n');
    expect(dump).not.toMatch(/PRIVATE KEY/);
  });

  it('a key stored in plain text by an earlier version is sealed at the next start, and keeps signing', async () => {
    const legacy = generateSigningKey();
    await app.sql('update signing_keys set retired_at = now()');
    await app.sql("insert into signing_keys (kid, algorithm, sealed_private_key, public_key_pem, created_at, active_from) values ($1, 'ES256', $2, null, now(), now())", [
      legacy.kid,
      legacy.privateKeyPem,
    ]);
    const next = await createTestApp({}, { databaseUrl: app.databaseUrl, redisPrefix: app.redisPrefix });
    try {
      const row = (await keyRows(next)).find((key) => key.kid === legacy.kid)!;
      expect(row.sealed_private_key).not.toContain('BEGIN');
      expect(row.public_key_pem).toContain('PUBLIC KEY');
      const pair = await signUp(next);
      expect(JSON.parse(Buffer.from(pair.accessToken.split('.')[0]!, 'base64url').toString()).kid).toBe(legacy.kid);
    } finally {
      await next.close();
    }
  });

  it('a rotated-out key loses its private part once it stops signing; its tokens keep verifying', async () => {
    const before = await signUp(app);
    const [old] = await keyRows(app);
    const rotated = await runAdmin(['rotate-keys'], '', { DATABASE_URL: app.databaseUrl });
    expect(rotated.code).toBe(0);
    // Still signing for the five minutes the next key is published ahead: the private part stays.
    const rotatedOut = (await keyRows(app)).find((key) => key.kid === old!.kid)!;
    expect(rotatedOut.sealed_private_key).not.toBeNull();
    // The CLI stamped the retirement with its own (real) clock, five minutes ahead; the app's test
    // clock stands where it started, so it is moved to that moment exactly.
    const retiredAt = rotatedOut.retired_at!.getTime();
    expect(retiredAt - app.clock.now()).toBeGreaterThanOrEqual(5 * MINUTE);
    app.clock.advance(retiredAt - app.clock.now());
    await signUp(app);
    const erased = await eventually(
      async () => (await keyRows(app)).find((key) => key.kid === old!.kid)!,
      (row) => row.sealed_private_key === null,
      15_000,
    );
    expect(erased.sealed_private_key).toBeNull();
    expect(erased.public_key_pem).toContain('PUBLIC KEY');
    expect(await loginState(app, before.accessToken)).toBe('AUTHENTICATED');
  }, 30_000);

  it('a start with another KEY_ENCRYPTION_KEY fails with a line saying so', async () => {
    await expect(createTestApp({ KEY_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64') }, { databaseUrl: app.databaseUrl, redisPrefix: app.redisPrefix })).rejects.toThrow(
      /cannot be opened with this key-encryption key/,
    );
  });
});
