import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { parseEs256PrivateKey } from '../config/es256-key.js';
import type { StoredSigningKey } from '../stores/signing-key-store.js';

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

/** A signing key ready for use: parsed once into KeyObjects (jsonwebtoken re-parses PEM strings on every call). */
export interface SigningKeyPair {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: PublicJwk;
}

/** A PEM private key made ready for signing; refuses anything but an ES256 (P-256) key. */
export function signingKeyFromPem(pem: string): SigningKeyPair {
  const privateKey = parseEs256PrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string; y: string };
  const kid = thumbprint({ crv, kty, x, y });
  return { kid, privateKey, publicKey, jwk: { kty, crv, x, y, kid, alg: SIGNING_ALGORITHM, use: 'sig' } };
}

/** A fresh P-256 key in the shape the signing-key store keeps. */
export function generateSigningKey(): StoredSigningKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateKeyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { kid: signingKeyFromPem(privateKeyPem).kid, algorithm: SIGNING_ALGORITHM, privateKeyPem };
}

/** RFC 7638 JWK thumbprint: SHA-256 over the required members in lexicographic order. */
function thumbprint(members: { crv: string; kty: string; x: string; y: string }): string {
  const canonical = JSON.stringify({ crv: members.crv, kty: members.kty, x: members.x, y: members.y });
  return createHash('sha256').update(canonical).digest('base64url');
}
