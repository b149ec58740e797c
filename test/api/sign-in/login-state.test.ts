import { createHmac, generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, type JWTHeaderParameters, type JWTPayload, SignJWT } from 'jose';
import { type AuthPayload, signUp } from '../../helpers/accounts.js';
import { bearer } from '../../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

// The gateway signs with a key the test knows, so it can sign tokens that differ from genuine ones in one way only.
const gatewayKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ACCESS_TOKEN_TTL_MS = 15 * 60 * 1000;

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ JWT_PRIVATE_KEY: gatewayKey.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() });
});
afterAll(() => app?.close());

type AuthHeaders = Record<string, string> | undefined;

/** A genuine token's header and claims, changed as given, signed with `key` (the gateway's own by default). */
function resign(token: string, change: { header?: Partial<JWTHeaderParameters>; claims?: JWTPayload } = {}, key = gatewayKey.privateKey) {
  return new SignJWT({ ...decodeJwt(token), ...change.claims })
    .setProtectedHeader({ ...decodeProtectedHeader(token), ...change.header } as JWTHeaderParameters)
    .sign(key);
}

/** A token whose header says `alg`, with a signature the test computes (or copies) itself. */
function withAlg(token: string, alg: string, sign: (input: string) => string) {
  const header = Buffer.from(JSON.stringify({ ...decodeProtectedHeader(token), alg })).toString('base64url');
  const input = `${header}.${token.split('.')[1]}`;
  return `${input}.${sign(input)}`;
}

function flipSignatureChar(token: string): string {
  const at = token.lastIndexOf('.') + 10;
  return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
}

async function freshToken(): Promise<string> {
  return (await signUp(app)).accessToken;
}

/** loginState answers `state` without an error. */
async function expectLoginState(headers: AuthHeaders, state: string) {
  const answer = await app.gql<{ loginState: string }>('{ loginState }', undefined, headers);
  expect({ status: answer.status, errors: answer.errors, data: answer.data }).toEqual({ status: 200, errors: undefined, data: { loginState: state } });
}

/** loginState answers `state`, and me is refused with UNAUTHENTICATED carrying it. */
async function expectState(headers: AuthHeaders, state: string) {
  await expectLoginState(headers, state);
  const me = await app.gql('{ me { id email } }', undefined, headers);
  expect(me.data).toEqual({ me: null });
  expect(me.errors).toHaveLength(1);
  expect(me.errors![0]).toMatchObject({ path: ['me'], extensions: { code: 'UNAUTHENTICATED', loginState: state } });
}

/** loginState answers AUTHENTICATED, and me returns the user, email included. */
async function expectAuthenticated(headers: AuthHeaders, user: AuthPayload['user']) {
  await expectLoginState(headers, 'AUTHENTICATED');
  const me = await app.gql('{ me { id email } }', undefined, headers);
  expect({ errors: me.errors, data: me.data }).toEqual({ errors: undefined, data: { me: { id: user.id, email: user.email } } });
}

describe('loginState and me', () => {
  it.each<[string, () => Promise<AuthHeaders>]>([
    ['no Authorization header', async () => undefined],
    ['an empty Authorization header', async () => ({ authorization: '' })],
  ])('%s is AUTHORIZATION_NOT_FOUND', async (_case, headers) => {
    await expectState(await headers(), 'AUTHORIZATION_NOT_FOUND');
  });

  it.each(['Basic abc', 'Token x'])('"%s" is TOKEN_TYPE_MISMATCH', async (authorization) => {
    await expectState({ authorization }, 'TOKEN_TYPE_MISMATCH');
  });

  it.each<[string, () => Promise<string>]>([
    ['garbage', async () => 'not-a-token'],
    ['three garbage segments', async () => 'abc.def.ghi'],
    ['a token with one signature character flipped', async () => flipSignatureChar(await freshToken())],
    ['a token signed by another EC key under our kid', async () => resign(await freshToken(), {}, otherKey.privateKey)],
    ['an alg "none" token', async () => withAlg(await freshToken(), 'none', () => '')],
    ['an alg "none" token that keeps the original signature', async () => {
      const token = await freshToken();
      return withAlg(token, 'none', () => token.split('.')[2]!);
    }],
    ['an HS256 token keyed with our public key PEM', async () => {
      const pem = gatewayKey.publicKey.export({ format: 'pem', type: 'spki' }).toString();
      return withAlg(await freshToken(), 'HS256', (input) => createHmac('sha256', pem).update(input).digest('base64url'));
    }],
    ['an HS256 token keyed with our public JWK from the JWKS', async () => {
      const jwks = (await (await fetch(`${app.url}/.well-known/jwks.json`)).text());
      const jwk = JSON.stringify((JSON.parse(jwks) as { keys: unknown[] }).keys[0]);
      return withAlg(await freshToken(), 'HS256', (input) => createHmac('sha256', jwk).update(input).digest('base64url'));
    }],
    ['a token from another issuer', async () => resign(await freshToken(), { claims: { iss: 'someone-else' } })],
    ['a token for another audience', async () => resign(await freshToken(), { claims: { aud: 'other-api' } })],
    ['a token of another typ', async () => resign(await freshToken(), { header: { typ: 'JWT' } })],
    ['a refresh token', async () => (await signUp(app)).refreshToken],
  ])('%s is TOKEN_INVALID', async (_case, token) => {
    await expectState(bearer(await token()), 'TOKEN_INVALID');
  });

  it('a genuine token is AUTHENTICATED until its exp and TOKEN_EXPIRED from then on', async () => {
    const { user, accessToken: token } = await signUp(app);
    // The test clock stands still, so the token's own iat and exp (whole seconds) place the boundary exactly.
    const { iat, exp } = decodeJwt(token);
    expect((exp! - iat!) * 1000).toBe(ACCESS_TOKEN_TTL_MS);
    app.clock.advance(exp! * 1000 - 1 - app.clock.now());
    await expectAuthenticated(bearer(token), user);
    app.clock.advance(1);
    await expectState(bearer(token), 'TOKEN_EXPIRED');
  });

  it('a forged token past its exp is TOKEN_INVALID, not TOKEN_EXPIRED', async () => {
    const token = await freshToken();
    app.clock.advance(ACCESS_TOKEN_TTL_MS + 1000);
    await expectState(bearer(token), 'TOKEN_EXPIRED');
    await expectState(bearer(flipSignatureChar(token)), 'TOKEN_INVALID');
    await expectState(bearer(await resign(token, {}, otherKey.privateKey)), 'TOKEN_INVALID');
  });

  it('a genuine token is SESSION_REVOKED after logout', async () => {
    const token = await freshToken();
    const logout = await app.gql<{ logout: boolean }>('mutation { logout }', undefined, bearer(token));
    expect(logout.data).toEqual({ logout: true });
    await expectState(bearer(token), 'SESSION_REVOKED');
  });

  it.each<[string, (token: string) => Promise<string> | string]>([
    ['Bearer', (token) => `Bearer ${token}`],
    ['bearer', (token) => `bearer ${token}`],
    ['BEARER', (token) => `BEARER ${token}`],
    ['Bearer with a token the test signs with the gateway key and the genuine claims', async (token) => `Bearer ${await resign(token)}`],
  ])('%s is AUTHENTICATED, and me returns the user with their email', async (_case, header) => {
    const { user, accessToken } = await signUp(app);
    await expectAuthenticated({ authorization: await header(accessToken) }, user);
  });
});
