import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, type JWK, SignJWT } from 'jose';
import { generateSigningKey } from '../../src/services/signing-keys.js';
import { type AuthPayload, refresh, sessionIdOf, signUp } from '../helpers/accounts.js';
import { bearer, errorCode } from '../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { accessClaims, b64url, craft, es256, expectAuthenticated, expectNoLeak, expectRefused, hmac, partsOf, without } from './helpers-jwt.js';

// Attack catalogue, JWT part: each row is one input and the state the gateway must answer with.

// The gateway signs with a key the test knows, so a row can differ from a genuine token in one way only.
const gatewayPem = generateSigningKey();
const gatewayKey = createPrivateKey(gatewayPem.privateKeyPem);
const gatewayJwk = createPublicKey(gatewayPem.publicKeyPem).export({ format: 'jwk' }) as { x: string; y: string };
const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const attackerJwk = attacker.publicKey.export({ format: 'jwk' }) as JWK;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
const ed25519 = generateKeyPairSync('ed25519').privateKey;
const otherDeployment = generateSigningKey();
const TTL_S = 900;

let app: TestApp;
let victim: AuthPayload;
let target: AuthPayload;
let attackerKid: string;
beforeAll(async () => {
  app = await createTestApp({ JWT_PRIVATE_KEY: gatewayPem.privateKeyPem });
  victim = await signUp(app);
  target = await signUp(app);
  attackerKid = await calculateJwkThumbprint(attackerJwk);
});
afterAll(() => app?.close());

const nowS = () => Math.floor(app.clock.now() / 1000);
/** The genuine header, changed as given. */
const header = (change: object = {}) => ({ alg: 'ES256', typ: 'at+jwt', kid: gatewayPem.kid, ...change });
/** The victim's genuine claims, issued now, changed as given. */
const claims = (change: Record<string, unknown> = {}) => accessClaims(app, victim.user.id, sessionIdOf(victim.refreshToken), change);
/** Signed with the gateway's own key: only the changed part can make it fail. */
const ours = (h: object, c: object) => craft(h, c, es256(gatewayKey));
/** The victim's genuine token with one segment replaced and its signature kept. */
const withHeader = (h: object) => `${b64url(h)}.${victim.accessToken.split('.').slice(1).join('.')}`;
const withClaims = (c: object) => { const [h, , sig] = victim.accessToken.split('.'); return `${h}.${b64url(c)}.${sig}`; };
const joseSigned = (alg: string, key: KeyObject) => new SignJWT(claims()).setProtectedHeader({ alg, typ: 'at+jwt', kid: gatewayPem.kid }).sign(key);
const point = (name: 'x' | 'y') => Buffer.from(gatewayJwk[name], 'base64url');

describe('JWT attack catalogue', () => {
  it('control: a token the test signs with the gateway key and genuine claims → AUTHENTICATED', async () => {
    await expectAuthenticated(app, bearer(ours(header(), claims())), victim.user.id);
  });

  it.each<[string, () => string | Promise<string>]>([
    // alg none, in every spelling
    ['alg "none", empty signature', () => `${b64url(header({ alg: 'none' }))}.${b64url(claims())}.`],
    ['alg "NONE", empty signature', () => `${b64url(header({ alg: 'NONE' }))}.${b64url(claims())}.`],
    ['alg "None", empty signature', () => `${b64url(header({ alg: 'None' }))}.${b64url(claims())}.`],
    ['alg "none", genuine signature kept', () => withHeader(header({ alg: 'none' }))],
    ['alg "none", no kid, a junk signature', () => craft({ alg: 'none', typ: 'at+jwt' }, claims(), () => 'AAAA')],
    // algorithm confusion: our public key as an HMAC secret
    ['HS256 keyed with our public key PEM, our kid', () => craft(header({ alg: 'HS256' }), claims(), hmac(gatewayPem.publicKeyPem))],
    ['HS256 keyed with our public key DER (SPKI), our kid', () => craft(header({ alg: 'HS256' }), claims(), hmac(createPublicKey(gatewayPem.publicKeyPem).export({ format: 'der', type: 'spki' })))],
    ['HS256 keyed with our JWKS entry as JSON, our kid', async () => {
      const jwks = (await (await fetch(`${app.url}/.well-known/jwks.json`)).json()) as { keys: object[] };
      return craft(header({ alg: 'HS256' }), claims(), hmac(JSON.stringify(jwks.keys[0])));
    }],
    ['HS256 keyed with the JWK x coordinate text, our kid', () => craft(header({ alg: 'HS256' }), claims(), hmac(gatewayJwk.x))],
    ['HS256 keyed with the x coordinate bytes, our kid', () => craft(header({ alg: 'HS256' }), claims(), hmac(point('x')))],
    ['HS256 keyed with the raw EC point 04‖x‖y, our kid', () => craft(header({ alg: 'HS256' }), claims(), hmac(Buffer.concat([Buffer.from([4]), point('x'), point('y')])))],
    ['HS512 keyed with our public key PEM, our kid', () => craft(header({ alg: 'HS512' }), claims(), hmac(gatewayPem.publicKeyPem, 'sha512'))],
    // other algorithms, other keys, our kid
    ['RS256 signed by an RSA key, our kid', () => joseSigned('RS256', rsa)],
    ['PS256 signed by an RSA key, our kid', () => joseSigned('PS256', rsa)],
    ['ES384 signed by a P-384 key, our kid', () => joseSigned('ES384', p384)],
    ['EdDSA signed by an Ed25519 key, our kid', () => joseSigned('EdDSA', ed25519)],
    ['ES256 signed by another P-256 key, our kid', () => craft(header(), claims(), es256(attacker.privateKey))],
    // tampering with a genuine token
    ['payload sub and sid changed to another user, signature kept', () => withClaims({ ...partsOf(victim.accessToken).claims, sub: target.user.id, sid: sessionIdOf(target.refreshToken) })],
    ['payload scope widened to "user admin", signature kept', () => withClaims({ ...partsOf(victim.accessToken).claims, scope: 'user admin' })],
    ['header typ removed, signature kept', () => withHeader(without(header(), 'typ'))],
    ['header typ removed, re-signed with our key', () => ours(without(header(), 'typ'), claims())],
    ['header typ "JWT", re-signed with our key', () => ours(header({ typ: 'JWT' }), claims())],
    // claims, signed with our key
    ['no exp', () => ours(header(), without(claims(), 'exp'))],
    ['no iat', () => ours(header(), without(claims(), 'iat'))],
    ['iat 120 s in the future', () => ours(header(), claims({ iat: nowS() + 120, exp: nowS() + 120 + TTL_S }))],
    ['wrong iss', () => ours(header(), claims({ iss: 'someone-else' }))],
    ['wrong aud', () => ours(header(), claims({ aud: 'other-api' }))],
    ['aud array without ours', () => ours(header(), claims({ aud: ['other-api', 'graphql-admin'] }))],
    ['no sub', () => ours(header(), without(claims(), 'sub'))],
    ['no sid', () => ours(header(), without(claims(), 'sid'))],
    ['no scope', () => ours(header(), without(claims(), 'scope'))],
    // kid, signed with our key
    ['unknown kid', () => ours(header({ kid: 'unknown-key' }), claims())],
    ['no kid', () => ours(without(header(), 'kid'), claims())],
    ['kid with path traversal "../../etc/passwd"', () => ours(header({ kid: '../../etc/passwd' }), claims())],
    ['kid "\' or 1=1 --"', () => ours(header({ kid: "' or 1=1 --" }), claims())],
    ['kid of 10 kB', () => ours(header({ kid: 'k'.repeat(10_240) }), claims())],
    ['kid as an object', () => ours(header({ kid: { $ne: null } }), claims())],
    // keys the token brings itself
    ['embedded jwk of the attacker, attacker kid', () => craft(header({ kid: attackerKid, jwk: attackerJwk }), claims(), es256(attacker.privateKey))],
    ['embedded jwk of the attacker, our kid', () => craft(header({ jwk: attackerJwk }), claims(), es256(attacker.privateKey))],
    // look-alikes
    ['a token of another deployment (same claims, its own key and kid)', () => craft(header({ kid: otherDeployment.kid }), claims(), es256(createPrivateKey(otherDeployment.privateKeyPem)))],
    ['a forged token that is also expired', () => craft(header(), claims({ iat: nowS() - 2000, exp: nowS() - 1100 }), es256(attacker.privateKey))],
    ['the refresh token', () => victim.refreshToken],
  ])('%s → TOKEN_INVALID', async (_attack, token) => {
    await expectRefused(app, bearer(await token()), 'TOKEN_INVALID');
  });

  it('a payload changed to another user never reaches that user: me and sessions are refused', async () => {
    const forged = withClaims({ ...partsOf(victim.accessToken).claims, sub: target.user.id, sid: sessionIdOf(target.refreshToken) });
    const answers = [await app.gql('{ me { id } }', undefined, bearer(forged)), await app.gql('{ sessions { id } }', undefined, bearer(forged))];
    for (const answer of answers) {
      expect(answer.text).not.toContain(target.user.id);
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', loginState: 'TOKEN_INVALID' });
    }
  });

  describe('jku and x5u point at a server the attacker controls', () => {
    let server: Server;
    const requests: string[] = [];
    let base = '';
    beforeAll(async () => {
      server = createServer((request, response) => {
        requests.push(request.url ?? '');
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ keys: [{ ...attackerJwk, kid: attackerKid, alg: 'ES256', use: 'sig' }] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it.each([
      ['jku', '/jwks.json'],
      ['x5u', '/cert.pem'],
    ])('%s header, token signed by the attacker key and kid → TOKEN_INVALID, and nothing is fetched', async (member, path) => {
      const token = craft(header({ kid: attackerKid, [member]: `${base}${path}` }), claims(), es256(attacker.privateKey));
      await expectRefused(app, bearer(token), 'TOKEN_INVALID');
      // Verification is synchronous; give a fetch the gateway might have started in the background time to land.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(requests).toEqual([]);
    });
  });

  it.each<[string, string, (token: string) => string]>([
    ['"Bearer" with no token', 'TOKEN_INVALID', () => 'Bearer'],
    ['"Bearer  two  spaces"', 'TOKEN_INVALID', () => 'Bearer  two  spaces'],
    ['"Bearer <valid> extra"', 'TOKEN_INVALID', (token) => `Bearer ${token} extra`],
    ['"Basic xxx"', 'TOKEN_TYPE_MISMATCH', () => 'Basic xxx'],
    ['"Basic <valid>"', 'TOKEN_TYPE_MISMATCH', (token) => `Basic ${token}`],
    ['"Bearer<valid>" (no space)', 'TOKEN_TYPE_MISMATCH', (token) => `Bearer${token}`],
  ])('Authorization %s → %s', async (_attack, state, authorization) => {
    await expectRefused(app, { authorization: authorization(victim.accessToken) }, state);
  });

  it.each<[string, (token: string) => string]>([
    ['"bearer <valid>" (lowercase scheme)', (token) => `bearer ${token}`],
    ['"Bearer  <valid>" (two spaces, RFC 9110 1*SP)', (token) => `Bearer  ${token}`],
  ])('Authorization %s → AUTHENTICATED', async (_case, authorization) => {
    await expectAuthenticated(app, { authorization: authorization(victim.accessToken) }, victim.user.id);
  });

  it('an access token sent to refresh as the refresh token → INVALID_REFRESH_TOKEN', async () => {
    const answer = await refresh(app, victim.accessToken);
    expectNoLeak(answer);
    expect({ status: answer.status, data: answer.data, code: errorCode(answer) }).toEqual({ status: 200, data: null, code: 'INVALID_REFRESH_TOKEN' });
  });

  it('expired: genuine claims under our key → TOKEN_EXPIRED, the same claims under another key → TOKEN_INVALID', async () => {
    const expired = claims({ iat: nowS() - 2000, exp: nowS() - 1100 });
    await expectRefused(app, bearer(ours(header(), expired)), 'TOKEN_EXPIRED');
    await expectRefused(app, bearer(craft(header(), expired, es256(attacker.privateKey))), 'TOKEN_INVALID');
    await expectRefused(app, bearer(craft(header({ alg: 'HS256' }), expired, hmac(gatewayPem.publicKeyPem))), 'TOKEN_INVALID');
  });

  it('exp − iat beyond ACCESS_TOKEN_TTL (issued under a longer TTL) → it expires at iat + ACCESS_TOKEN_TTL: TOKEN_EXPIRED after, never TOKEN_INVALID', async () => {
    const longLived = (iat: number) => ours(header(), claims({ iat, exp: iat + 365 * 86_400 }));
    await expectAuthenticated(app, bearer(longLived(nowS())), victim.user.id);
    await expectRefused(app, bearer(longLived(nowS() - TTL_S - 1)), 'TOKEN_EXPIRED');
    await expectRefused(app, bearer(ours(header(), claims({ iat: nowS() - TTL_S - 1, exp: nowS() - TTL_S + 5 })))
      , 'TOKEN_EXPIRED');
  });

  // Moves the app clock: keep last.
  it('a genuine token past its exp → TOKEN_EXPIRED; tampered after expiry → TOKEN_INVALID', async () => {
    const { accessToken } = await signUp(app);
    app.clock.advance((TTL_S + 1) * 1000);
    await expectRefused(app, bearer(accessToken), 'TOKEN_EXPIRED');
    const [h, , sig] = accessToken.split('.');
    await expectRefused(app, bearer(`${h}.${b64url({ ...partsOf(accessToken).claims, exp: nowS() + 600 })}.${sig}`), 'TOKEN_INVALID');
  });
});
