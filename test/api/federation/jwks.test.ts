import { generateKeyPairSync } from 'node:crypto';
import { createRemoteJWKSet, type JWK, jwtVerify } from 'jose';
import { loginState, signUp, storedSession } from '../../helpers/accounts.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const apps: TestApp[] = [];
async function start(...args: Parameters<typeof createTestApp>): Promise<TestApp> {
  const app = await createTestApp(...args);
  apps.push(app);
  return app;
}
afterAll(() => Promise.all(apps.map((app) => app.close())));

const jwksUrl = (app: TestApp) => new URL(`${app.url}/.well-known/jwks.json`);

async function keysOf(app: TestApp): Promise<JWK[]> {
  return ((await (await fetch(jwksUrl(app))).json()) as { keys: JWK[] }).keys;
}

describe('GET /.well-known/jwks.json', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await start();
  });

  it('lists the signing key with kid, alg ES256 and use sig, without private members, and may be cached', async () => {
    const response = await fetch(jwksUrl(app));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const { keys } = (await response.json()) as { keys: JWK[] };
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', kid: expect.any(String), alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('verifies an issued access token through jose, with the contract claims', async () => {
    const { user, accessToken } = await signUp(app);
    const { payload, protectedHeader } = await jwtVerify(accessToken, createRemoteJWKSet(jwksUrl(app)), {
      issuer: 'auth-gateway',
      audience: 'graphql',
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: (await keysOf(app))[0]!.kid });
    expect(payload).toMatchObject({
      sub: user.id,
      sid: expect.any(String),
      jti: expect.any(String),
      iat: expect.any(Number),
      exp: payload.iat! + 900,
      scope: expect.any(String),
    });
    expect(await storedSession(app, payload.sid as string)).not.toBeNull();
  });
});

describe('several gateways on one database', () => {
  it('serve the same kid and accept each other\'s tokens', async () => {
    const first = await start();
    const second = await start({}, { databaseUrl: first.databaseUrl, redisPrefix: first.redisPrefix });
    expect((await keysOf(second)).map((k) => k.kid)).toEqual((await keysOf(first)).map((k) => k.kid));
    const fromFirst = await signUp(first);
    const fromSecond = await signUp(second);
    expect(await loginState(second, fromFirst.accessToken)).toBe('AUTHENTICATED');
    expect(await loginState(first, fromSecond.accessToken)).toBe('AUTHENTICATED');
  });
});

describe('with JWT_PRIVATE_KEY set', () => {
  it('serves the public half of that key and signs with it', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const app = await start({ JWT_PRIVATE_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() });
    const expected = publicKey.export({ format: 'jwk' });
    expect(await keysOf(app)).toContainEqual(expect.objectContaining({ kty: 'EC', crv: 'P-256', x: expected.x, y: expected.y }));
    const { accessToken } = await signUp(app);
    await expect(jwtVerify(accessToken, publicKey, { issuer: 'auth-gateway', audience: 'graphql' })).resolves.toBeDefined();
  });
});
