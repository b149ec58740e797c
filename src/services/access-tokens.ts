import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from '../config/config.js';
import type { Clock } from '../infra/clock.js';
import type { SessionRecord } from '../stores/session-store.js';
import { BoundedMap, stringBytes } from './bounded-map.js';
import type { SigningKeyring } from './signing-keyring.js';
import { SIGNING_ALGORITHM, type PublicJwk } from './signing-keys.js';

const ACCESS_TOKEN_TYPE = 'at+jwt';
/** How far another instance's clock may run ahead before its `iat` looks forged. */
const CLOCK_SKEW_SECONDS = 60;

/**
 * How a user authenticated, as RFC 8176 names it: `pwd` a password, `otp` a TOTP or recovery
 * code, `hwk`/`swk` a device-bound or synced passkey, `mfa` two factors. `fed` (not in RFC 8176)
 * is a sign-in through an OAuth provider.
 */
export type AuthMethod = 'pwd' | 'fed' | 'otp' | 'hwk' | 'swk' | 'mfa';

/** The scope a session that passed a second factor carries, for a router's `@requiresScopes`. */
export const MFA_SCOPE = 'mfa';

/** What a verified access token says. */
export interface AccessClaims {
  userId: string;
  sessionId: string;
  scope: string;
}

export type AccessTokenCheck =
  | { status: 'valid'; claims: AccessClaims }
  | { status: 'expired'; claims: AccessClaims }
  | { status: 'invalid' };

export interface IssuedAccessToken {
  token: string;
  expiresIn: number;
}

/** Issues and verifies ES256 access tokens (RFC 9068 shape: typ at+jwt, iss, aud, sub, sid, jti, scope). */
/** A token whose signature and claims passed: only its expiry and its key's standing can change. */
interface VerifiedToken {
  kid: string;
  claims: AccessClaims;
  exp: number;
}

// Verified tokens remembered, so a client's repeated requests cost one ES256 verification.
// 8 MiB hold ~8,800 tokens of ~700 characters.
const MAX_REMEMBERED_BYTES = 8 * 2 ** 20;
/** What a remembered token costs besides its strings: measured by `npm run bench` (bench/cache-costs.ts). */
export const VERIFIED_ENTRY_BYTES = 240;

function bytesOf(token: string, verified: VerifiedToken): number {
  const { claims } = verified;
  return VERIFIED_ENTRY_BYTES + [token, verified.kid, claims.userId, claims.sessionId, claims.scope].reduce((sum, text) => sum + stringBytes(text), 0);
}

export class AccessTokens {
  private readonly verified = new BoundedMap<string, VerifiedToken>(MAX_REMEMBERED_BYTES, bytesOf);

  constructor(
    private readonly keys: Pick<SigningKeyring, 'signingKey' | 'verificationKey' | 'jwks'>,
    private readonly config: Pick<Config, 'jwtIssuer' | 'jwtAudience' | 'accessTokenTtlMs' | 'accessTokenScope'>,
    private readonly clock: Clock,
  ) {}

  /** The public keys that verify our tokens, as served at /.well-known/jwks.json. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.keys.jwks() };
  }

  /** A token for a session: its `amr`, `auth_time` and (after a second factor) the `mfa` scope come from the session. */
  issue(session: Pick<SessionRecord, 'userId' | 'id' | 'amr' | 'authTime'>): IssuedAccessToken {
    const iat = Math.floor(this.clock.now() / 1000);
    const expiresIn = Math.floor(this.config.accessTokenTtlMs / 1000);
    const payload = {
      iss: this.config.jwtIssuer,
      aud: this.config.jwtAudience,
      sub: session.userId,
      sid: session.id,
      jti: randomUUID(),
      scope: session.amr.includes('mfa') ? `${this.config.accessTokenScope} ${MFA_SCOPE}` : this.config.accessTokenScope,
      amr: session.amr,
      auth_time: Math.floor(session.authTime / 1000),
      iat,
      exp: iat + expiresIn,
    };
    const signingKey = this.keys.signingKey();
    const token = jwt.sign(payload, signingKey.privateKey, {
      algorithm: SIGNING_ALGORITHM,
      keyid: signingKey.kid,
      header: { alg: SIGNING_ALGORITHM, typ: ACCESS_TOKEN_TYPE },
    });
    return { token, expiresIn };
  }

  /**
   * Signature first, then every claim, and expiry last: a forged or foreign token is `invalid`
   * even when it is also past its `exp`. Never throws.
   */
  verify(token: string): AccessTokenCheck {
    const known = this.verified.get(token);
    // Still one of our keys (a key retired long enough ago leaves the keyring, and its tokens go with it).
    if (known && this.keys.verificationKey(known.kid)) return this.byExpiry(known.claims, known.exp);
    const verified = this.verifyUncached(token);
    if (!verified) return { status: 'invalid' };
    const check = this.byExpiry(verified.claims, verified.exp);
    if (check.status === 'valid') this.remember(token, verified);
    return check;
  }

  private remember(token: string, verified: VerifiedToken): void {
    this.verified.set(token, verified);
  }

  private byExpiry(claims: AccessClaims, exp: number): AccessTokenCheck {
    return exp * 1000 <= this.clock.now() ? { status: 'expired', claims } : { status: 'valid', claims };
  }

  /** Everything but expiry: the token with its claims when genuine, else null. */
  private verifyUncached(token: string): VerifiedToken | null {
    const kid = (jwt.decode(token, { complete: true })?.header as { kid?: unknown } | undefined)?.kid;
    // Only our own keys, by kid: no jku, x5u or embedded jwk is ever followed.
    const key = typeof kid === 'string' ? this.keys.verificationKey(kid) : undefined;
    if (!key) return null;
    let decoded: jwt.Jwt;
    try {
      decoded = jwt.verify(token, key.publicKey, {
        algorithms: [SIGNING_ALGORITHM],
        issuer: this.config.jwtIssuer,
        audience: this.config.jwtAudience,
        complete: true,
        // Expiry is judged by the caller, after the type and claim checks, on the injected clock.
        ignoreExpiration: true,
        clockTimestamp: Math.floor(this.clock.now() / 1000),
      });
    } catch {
      return null;
    }
    const payload = decoded.payload as jwt.JwtPayload;
    // jsonwebtoken accepts a token without exp unless told otherwise: require it here.
    if (decoded.header.typ !== ACCESS_TOKEN_TYPE || typeof payload.exp !== 'number' || typeof payload.iat !== 'number') {
      return null;
    }
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.scope !== 'string') {
      return null;
    }
    // Never dated in the future (RFC 8725 §3.10). A genuine token issued under a longer
    // ACCESS_TOKEN_TTL than today's expires at iat + today's TTL: it reads TOKEN_EXPIRED then, so
    // its client refreshes, instead of TOKEN_INVALID.
    const now = Math.floor(this.clock.now() / 1000);
    if (payload.iat > now + CLOCK_SKEW_SECONDS) return null;
    const exp = Math.min(payload.exp, payload.iat + Math.floor(this.config.accessTokenTtlMs / 1000));
    return { kid: key.kid, claims: { userId: payload.sub, sessionId: payload.sid, scope: payload.scope }, exp };
  }
}
