import { createHmac, type KeyObject, randomUUID, sign } from 'node:crypto';
import { type GraphQLResponse } from '../helpers/graphql-client.js';
import type { TestApp } from '../helpers/test-app.js';

/** What an attack sends: the Authorization header (undefined: none). */
export type AuthHeaders = Record<string, string> | undefined;

export const b64url = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** The header and claims of a compact JWS, decoded without any check. */
export function partsOf(token: string): { header: Record<string, unknown>; claims: Record<string, unknown>; signature: string } {
  const [header = '', claims = '', signature = ''] = token.split('.');
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
  return { header: decode(header), claims: decode(claims), signature };
}

/** A compact JWS built by hand, so any header member or claim can be wrong on purpose. */
export function craft(header: object, claims: object, signer: (input: string) => string): string {
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${signer(input)}`;
}

/** Raw ES256 signer (JOSE wants r||s, not DER). */
export const es256 = (privateKey: KeyObject) => (input: string) => sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');

/** Raw HMAC signer (HS256 by default) keyed with whatever the attacker hopes the verifier uses as secret. */
export const hmac = (secret: string | Buffer, hash = 'sha256') => (input: string) => createHmac(hash, secret).update(input).digest('base64url');

/** A genuine access token's claims for this session, issued `now` (seconds) by the app's clock, with overrides. */
export function accessClaims(app: TestApp, sub: string, sid: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = Math.floor(app.clock.now() / 1000);
  return { iss: 'auth-gateway', aud: 'graphql', sub, sid, jti: randomUUID(), scope: 'user', iat, exp: iat + 900, ...overrides };
}

/** Removes the named members (an "undefined" override still leaves the key in the object). */
export function without<T extends Record<string, unknown>>(value: T, ...names: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([name]) => !names.includes(name)));
}

// A frame inside a message ("\n    at f (…)"), or as an element of Apollo's extensions.stacktrace array.
const STACK_FRAME = /(\\n|\n|")\s*at \S|\(\/[^)]*:\d+:\d+\)|file:\/\/\//;

/** No response of the catalogue may show a stack trace, a source path or key material. */
export function expectNoLeak(response: Pick<GraphQLResponse<unknown>, 'text'>): void {
  expect(response.text).not.toMatch(STACK_FRAME);
  expect(response.text).not.toContain('PRIVATE');
  expect(response.text).not.toContain('node_modules');
  expect(response.text).not.toMatch(/"d"\s*:/); // a private JWK member
}

/** loginState answers `state` (HTTP 200, no error) and me is refused with UNAUTHENTICATED carrying it. */
export async function expectRefused(app: TestApp, headers: AuthHeaders, state: string): Promise<void> {
  const login = await app.gql<{ loginState: string }>('{ loginState }', undefined, headers);
  expectNoLeak(login);
  expect({ status: login.status, errors: login.errors, data: login.data }).toEqual({ status: 200, errors: undefined, data: { loginState: state } });
  const me = await app.gql('{ me { id } }', undefined, headers);
  expectNoLeak(me);
  expect(me.status).toBe(200);
  expect(me.data).toEqual({ me: null });
  expect(me.errors).toHaveLength(1);
  expect(me.errors![0]).toMatchObject({ path: ['me'], extensions: { code: 'UNAUTHENTICATED', loginState: state } });
}

/** loginState answers AUTHENTICATED and me is exactly `userId`. */
export async function expectAuthenticated(app: TestApp, headers: AuthHeaders, userId: string): Promise<void> {
  const login = await app.gql<{ loginState: string }>('{ loginState }', undefined, headers);
  expectNoLeak(login);
  expect(login.data).toEqual({ loginState: 'AUTHENTICATED' });
  const me = await app.gql('{ me { id } }', undefined, headers);
  expect({ status: me.status, errors: me.errors, data: me.data }).toEqual({ status: 200, errors: undefined, data: { me: { id: userId } } });
}
