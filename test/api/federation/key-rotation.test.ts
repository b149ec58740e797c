import { createRemoteJWKSet, decodeProtectedHeader, type JWK, jwtVerify } from 'jose';
import { generateSigningKey } from '../../../src/services/signing-keys.js';
import { loginState, signUp } from '../../helpers/accounts.js';
import { runAdmin } from '../../helpers/admin-cli.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const MINUTE = 60_000;

/** `npm run keys:rotate` (`npm run admin -- rotate-keys`) against the app's database, as an operator would run it. */
async function rotate(app: TestApp, ...args: string[]) {
  const outcome = await runAdmin(['rotate-keys', ...args], '', { DATABASE_URL: app.databaseUrl });
  if (outcome.code !== 0) throw new Error(`rotate-keys exited ${outcome.code}: ${outcome.stderr}`);
  return outcome;
}

async function kidsOf(app: TestApp): Promise<string[]> {
  return ((await (await fetch(`${app.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] }).keys.map((key) => key.kid!);
}

/** Polls the JWKS (the rotation reaches the gateway through a NOTIFY) until `done`, for at most 2 s. */
async function kidsOnceSettled(app: TestApp, done: (kids: string[]) => boolean): Promise<string[]> {
  const deadline = Date.now() + 2_000;
  let kids = await kidsOf(app);
  while (!done(kids) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    kids = await kidsOf(app);
  }
  return kids;
}

/** Verifies with an independent library, from the published JWKS alone, as a router would. */
function verifiesThroughJwks(app: TestApp, token: string) {
  return jwtVerify(token, createRemoteJWKSet(new URL(`${app.url}/.well-known/jwks.json`)), { issuer: 'auth-gateway', audience: 'graphql' });
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid!;

/** When the stored key `kid` was made, starts signing and retires, as the CLI wrote them (its own clock). */
async function keyTimes(app: TestApp, kid: string): Promise<{ createdAt: number; activeFrom: number; retiredAt: number | null }> {
  const [row] = await app.sql<{ created_at: Date; active_from: Date; retired_at: Date | null }>('select created_at, active_from, retired_at from signing_keys where kid = $1', [kid]);
  return { createdAt: row!.created_at.getTime(), activeFrom: row!.active_from.getTime(), retiredAt: row!.retired_at?.getTime() ?? null };
}

/**
 * Moves the app's test clock (which stands still) to `at`. The CLI stamps a rotation with the real
 * time it ran, later than the test clock's start, so the test moves to the stamped times exactly.
 */
function moveTo(app: TestApp, at: number): void {
  expect(at).toBeGreaterThanOrEqual(app.clock.now());
  app.clock.advance(at - app.clock.now());
}

describe('signing-key rotation with generated keys', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(() => app.close());

  it('publishes the next key at once, signs with it five minutes later, and logs nobody out', async () => {
    const before = await signUp(app);
    const oldKid = kidOf(before.accessToken);
    const { stdout } = await rotate(app);
    expect(stdout).toMatch(/^new signing key \S+: in JWKS now, signing from /);

    const kids = await kidsOnceSettled(app, (list) => list.length === 2);
    expect(kids).toHaveLength(2);
    const newKid = kids.find((kid) => kid !== oldKid)!;
    // Until the new key is active, tokens are still signed with the old one.
    expect(kidOf((await signUp(app)).accessToken)).toBe(oldKid);

    const { createdAt, activeFrom } = await keyTimes(app, newKid);
    expect(activeFrom - createdAt).toBe(5 * MINUTE);
    expect((await keyTimes(app, oldKid)).retiredAt).toBe(activeFrom);
    moveTo(app, activeFrom - 1);
    expect(kidOf((await signUp(app)).accessToken)).toBe(oldKid);
    app.clock.advance(1);
    const after = await signUp(app);
    expect(kidOf(after.accessToken)).toBe(newKid);
    await expect(verifiesThroughJwks(app, after.accessToken)).resolves.toBeDefined();
    await expect(verifiesThroughJwks(app, before.accessToken)).resolves.toBeDefined();
    expect(await loginState(app, before.accessToken)).toBe('AUTHENTICATED');
  });

  it('drops the retired key from JWKS once tokens it signed have expired (ACCESS_TOKEN_TTL after retirement)', async () => {
    const oldKid = kidOf((await signUp(app)).accessToken);
    await rotate(app, '--now');
    await kidsOnceSettled(app, (list) => list.length === 2);

    const { retiredAt } = await keyTimes(app, oldKid);
    moveTo(app, retiredAt! + 15 * MINUTE - 1);
    expect(await kidsOf(app)).toContain(oldKid);
    app.clock.advance(1);
    expect(await kidsOf(app)).not.toContain(oldKid);
    expect(await kidsOf(app)).toHaveLength(1);
  });

  it('signs with the new key at once with --now', async () => {
    const oldKid = kidOf((await signUp(app)).accessToken);
    await rotate(app, '--now');
    const newKid = (await kidsOnceSettled(app, (list) => list.length === 2)).find((kid) => kid !== oldKid)!;
    // "At once" is the moment the CLI stamped: the gateway's clock is moved there.
    const { createdAt, activeFrom } = await keyTimes(app, newKid);
    expect(activeFrom).toBe(createdAt);
    expect((await keyTimes(app, oldKid)).retiredAt).toBe(activeFrom);
    moveTo(app, activeFrom);
    const token = (await signUp(app)).accessToken;
    expect(kidOf(token)).toBe(newKid);
    expect(await loginState(app, token)).toBe('AUTHENTICATED');
  });

  it('reaches every instance sharing the database', async () => {
    const peer = await createTestApp({}, { databaseUrl: app.databaseUrl, redisPrefix: app.redisPrefix, clock: app.clock });
    try {
      const oldKid = kidOf((await signUp(app)).accessToken);
      await rotate(app, '--now');
      const kids = await kidsOnceSettled(peer, (list) => list.length === 2);
      expect(kids).toHaveLength(2);
      const newKid = kids.find((kid) => kid !== oldKid)!;
      await kidsOnceSettled(app, (list) => list.includes(newKid));
      moveTo(app, (await keyTimes(app, newKid)).activeFrom); // the peer shares this clock
      const token = (await signUp(app)).accessToken;
      expect(kidOf(token)).toBe(newKid);
      expect(await loginState(peer, token)).toBe('AUTHENTICATED');
    } finally {
      await peer.close();
    }
  });
});

describe('signing keys from JWT_PRIVATE_KEY', () => {
  it('keeps tokens of the previous configured key verifying after the operator changes it and restarts', async () => {
    const [first, second] = [generateSigningKey(), generateSigningKey()];
    const before = await createTestApp({ JWT_PRIVATE_KEY: first.privateKeyPem });
    const pair = await signUp(before);
    await before.close();

    const after = await createTestApp({ JWT_PRIVATE_KEY: second.privateKeyPem }, { databaseUrl: before.databaseUrl, redisPrefix: before.redisPrefix });
    try {
      expect(await loginState(after, pair.accessToken)).toBe('AUTHENTICATED');
      expect((await kidsOf(after)).sort()).toEqual([first.kid, second.kid].sort());
      expect(kidOf((await signUp(after)).accessToken)).toBe(second.kid);
      // Only the public part of an operator's key is ever stored.
      const rows = await after.sql<{ kid: string; sealed_private_key: string | null }>('select kid, sealed_private_key from signing_keys');
      expect(rows.filter((row) => row.sealed_private_key !== null)).toEqual([]);
    } finally {
      await after.close();
    }
  });

  it('refuses keys:rotate, which would have no effect: the configured key always signs', async () => {
    const app = await createTestApp({ JWT_PRIVATE_KEY: generateSigningKey().privateKeyPem });
    try {
      const failure = await runAdmin(['rotate-keys'], '', { DATABASE_URL: app.databaseUrl, JWT_PRIVATE_KEY: generateSigningKey().privateKeyPem });
      expect(failure.code).toBe(1);
      expect(failure.stderr).toMatch(/JWT_PRIVATE_KEY/);
    } finally {
      await app.close();
    }
  });
});
