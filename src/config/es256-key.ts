import { createPrivateKey, type KeyObject } from 'node:crypto';

/** Parses a PEM private key and refuses anything but the EC P-256 key ES256 signs with. */
export function parseEs256PrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    // The parser's message could quote the key material: say only what is wrong.
    throw new Error('not a readable PEM private key');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('the signing key must be an EC P-256 private key (ES256)');
  }
  return key;
}
