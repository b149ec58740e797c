import { type Reader, url } from './parsers.js';

/** Who the gateway is to authenticator apps and passkeys. */
export interface SecondFactorConfig {
  /** The issuer an authenticator app shows beside the account (otpauth:// label). */
  readonly totpIssuer: string;
  /** The WebAuthn relying party id: the site's registrable domain, which passkeys are bound to. */
  readonly webauthnRpId: string;
  /** The name a browser shows when it creates a passkey. */
  readonly webauthnRpName: string;
  /** The browser origins (scheme, host, port) passkey ceremonies may come from. */
  readonly webauthnOrigins: readonly string[];
}

/** Defaults follow APP_URL: the app's own page is where users sign in with a passkey. */
export function readSecondFactorConfig(read: Reader, appUrl: string): SecondFactorConfig {
  const app = new URL(appUrl);
  return {
    totpIssuer: read('TOTP_ISSUER', 'auth-gateway', (raw) => raw),
    webauthnRpId: read('WEBAUTHN_RP_ID', app.hostname, rpId),
    webauthnRpName: read('WEBAUTHN_RP_NAME', 'auth-gateway', (raw) => raw),
    webauthnOrigins: read('WEBAUTHN_ORIGINS', [app.origin], (raw) => raw.split(',').map((origin) => new URL(url(origin.trim(), ['http:', 'https:'])).origin)),
  };
}

function rpId(raw: string): string {
  if (!/^[a-z0-9.-]+$/i.test(raw) || raw.startsWith('.') || raw.endsWith('.')) throw new Error('expected a host name like example.com (no scheme, no port)');
  return raw.toLowerCase();
}
