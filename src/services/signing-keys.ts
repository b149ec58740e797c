import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { parseEs256PrivateKey } from '../config/es256-key.js';
import type { NewSigningKey } from '../stores/signing-key-store.js';

export const SIGNING_ALGORITHM = 'ES256';

export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  y: string;
  kid: string;
  alg: string;
  use: 'sig';
}

/** A key that verifies tokens, parsed once into a KeyObject (jsonwebtoken re-parses PEM strings on every call). */
export interface VerificationKey {
  readonly kid: string;
  readonly publicKey: KeyObject;
  readonly jwk: PublicJwk;
}

/** A key that also signs. */
export interface SigningKeyPair extends VerificationKey {
  readonly privateKey: KeyObject;
}

/** A PEM private key made ready for signing; refuses anything but an ES256 (P-256) key. */
export function signingKeyFromPem(pem: string): SigningKeyPair {
  const privateKey = parseEs256PrivateKey(pem);
  return { ...verificationKeyOf(createPublicKey(privateKey)), privateKey };
}

/** A PEM public key (SPKI) made ready for verifying. */
export function verificationKeyFromPem(pem: string): VerificationKey {
  return verificationKeyOf(createPublicKey(pem));
}

function verificationKeyOf(publicKey: KeyObject): VerificationKey {
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string; y: string };
  const kid = thumbprint({ crv, kty, x, y });
  return { kid, publicKey, jwk: { kty, crv, x, y, kid, alg: SIGNING_ALGORITHM, use: 'sig' } };
}

/** The SPKI PEM of a PEM private key. */
export function publicPemOf(privateKeyPem: string): string {
  return createPublicKey(parseEs256PrivateKey(privateKeyPem)).export({ format: 'pem', type: 'spki' }).toString();
}

/** How the signing-key store records a key: the public part always, the private part when it may. */
export function storableKey(pair: SigningKeyPair, privateKeyPem: string | null): NewSigningKey {
  return { kid: pair.kid, algorithm: SIGNING_ALGORITHM, privateKeyPem, publicKeyPem: pair.publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

/** A fresh P-256 key in the shape the signing-key store keeps. */
export function generateSigningKey(): NewSigningKey & { privateKeyPem: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateKeyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { ...storableKey(signingKeyFromPem(privateKeyPem), privateKeyPem), privateKeyPem };
}

/** RFC 7638 JWK thumbprint: SHA-256 over the required members in lexicographic order. */
function thumbprint(members: { crv: string; kty: string; x: string; y: string }): string {
  const canonical = JSON.stringify({ crv: members.crv, kty: members.kty, x: members.x, y: members.y });
  return createHash('sha256').update(canonical).digest('base64url');
}
