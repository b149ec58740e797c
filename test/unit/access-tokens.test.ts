import { createHmac, generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { AccessTokens } from '../../src/services/access-tokens.js';
import { generateSigningKey, type SigningKeyPair, signingKeyFromPem } from '../../src/services/signing-keys.js';
import { newRefreshToken } from '../../src/services/refresh-tokens.js';
import { TestClock } from '../helpers/test-clock.js';

const CONFIG = { jwtIssuer: 'auth-gateway', jwtAudience: 'graphql', accessTokenTtlMs: 900_000, accessTokenScope: 'user' };
const key = signingKeyFromPem(generateSigningKey().privateKeyPem);

/** A keyring of one key that both signs and verifies. */
function onlyKey(pair: SigningKeyPair) {
  return { signingKey: () => pair, verificationKey: (kid: string) => (kid === pair.kid ? pair : undefined), jwks: () => [pair.jwk] };
}
const clock = new TestClock();
const tokens = new AccessTokens(onlyKey(key), CONFIG, clock);
const userId = randomUUID();
const sessionId = randomUUID();

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodePart = (token: string, index: number) => JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString()) as Record<string, unknown>;

/** A compact JWS built by hand, so every header and claim can be wrong on purpose. */
function craft(header: object, payload: object, signer: (input: string) => string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signer(input)}`;
}
const es256 = (privateKey: KeyObject) => (input: string) => sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
const ours = es256(key.privateKey);
const header = (overrides: object = {}) => ({ alg: 'ES256', typ: 'at+jwt', kid: key.kid, ...overrides });
function claims(overrides: object = {}) {
  const iat = Math.floor(clock.now() / 1000);
  return { iss: 'auth-gateway', aud: 'graphql', sub: userId, sid: sessionId, jti: randomUUID(), scope: 'user', iat, exp: iat + 900, ...overrides };
}

describe('AccessTokens', () => {
  it('issues a token that verifies as valid with its claims', () => {
    const issued = tokens.issue({ userId, id: sessionId, amr: ['pwd'], authTime: clock.now() });
    expect(issued.expiresIn).toBe(900);
    expect(tokens.verify(issued.token)).toEqual({ status: 'valid', claims: { userId, sessionId, scope: 'user' } });
  });

  it('puts kid and typ at+jwt in the header and the RFC 9068 claims in the payload', () => {
    const { token } = tokens.issue({ userId, id: sessionId, amr: ['pwd'], authTime: clock.now() });
    expect(decodePart(token, 0)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: key.kid });
    const payload = decodePart(token, 1);
    expect(payload).toMatchObject({ iss: 'auth-gateway', aud: 'graphql', sub: userId, sid: sessionId, scope: 'user' });
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.exp).toBe((payload.iat as number) + 900);
  });

  it('publishes only the public key in the JWKS, under the same kid', () => {
    expect(tokens.jwks()).toEqual({ keys: [{ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: key.kid, alg: 'ES256', use: 'sig' }] });
  });

  it('reports a genuine token past its exp as expired, with its claims', () => {
    const local = new TestClock();
    const verifier = new AccessTokens(onlyKey(key), CONFIG, local);
    const { token } = verifier.issue({ userId, id: sessionId, amr: ['pwd'], authTime: local.now() });
    local.advance(901_000);
    expect(verifier.verify(token)).toEqual({ status: 'expired', claims: { userId, sessionId, scope: 'user' } });
  });

  it('accepts a token crafted here with our key and correct claims (so the refusals below are meaningful)', () => {
    expect(tokens.verify(craft(header(), claims(), ours)).status).toBe('valid');
  });

  const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const publicPem = key.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  it.each<[string, () => string]>([
    ['alg none', () => `${b64(header({ alg: 'none' }))}.${b64(claims())}.`],
    ['HS256 signed with the public key PEM as secret', () => craft(header({ alg: 'HS256' }), claims(), (input) => createHmac('sha256', publicPem).update(input).digest('base64url'))],
    ['signed by another P-256 key under our kid', () => craft(header(), claims(), es256(otherKey))],
    ['a wrong iss', () => craft(header(), claims({ iss: 'someone-else' }), ours)],
    ['a wrong aud', () => craft(header(), claims({ aud: 'another-api' }), ours)],
    ['typ JWT', () => craft(header({ typ: 'JWT' }), claims(), ours)],
    ['no typ', () => craft({ alg: 'ES256', kid: key.kid }, claims(), ours)],
    ['no exp', () => craft(header(), { ...claims(), exp: undefined }, ours)],
    ['no sid', () => craft(header(), { ...claims(), sid: undefined }, ours)],
    ['an unknown kid', () => craft(header({ kid: 'unknown' }), claims(), ours)],
    ['no kid', () => craft({ alg: 'ES256', typ: 'at+jwt' }, claims(), ours)],
    ['a forged signature that is also expired', () => craft(header(), claims({ iat: 1_000, exp: 1_900 }), es256(otherKey))],
    ['garbage', () => 'not.a.token'],
    ['an empty string', () => ''],
    ['a refresh token', () => newRefreshToken({ userId, id: sessionId })],
  ])('refuses a token with %s as invalid', (_name, token) => {
    expect(tokens.verify(token())).toEqual({ status: 'invalid' });
  });
});

describe('signingKeyFromPem', () => {
  it('derives the same kid from the same P-256 key', () => {
    const stored = generateSigningKey();
    expect(signingKeyFromPem(stored.privateKeyPem).kid).toBe(stored.kid);
  });

  it.each<[string, () => string]>([
    ['an RSA key', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()],
    ['a P-384 key', () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()],
  ])('refuses %s', (_name, pem) => {
    expect(() => signingKeyFromPem(pem())).toThrow(/P-256/);
  });
});
