import { createHmac } from 'node:crypto';
import {
  type Approval,
  approveAuthorization,
  bearerToken,
  type CodeRequest,
  type FakeServer,
  Grants,
  isWellFormedVerifier,
  randomToken,
  type RecordedCall,
  type Reply,
  s256,
  startFakeServer,
  toJson,
} from './base.js';

/**
 * Google's OAuth 2.0 / OIDC endpoints as the gateway meets them:
 * POST https://oauth2.googleapis.com/token (form) and GET https://openidconnect.googleapis.com/v1/userinfo.
 *
 * Error bodies are the ones Google is seen to send (sources in the report next to this file's
 * commit): invalid_grant "Bad Request" / "Malformed auth code." / "Missing code verifier." /
 * "Invalid code verifier.", redirect_uri_mismatch "Bad Request", invalid_client "Unauthorized" /
 * "The OAuth client was not found." (401), invalid_request "client_secret is missing.".
 * Descriptions starting with "fake:" are this fake's own words where Google's are unknown.
 */

export interface GoogleProfile {
  /** Google's stable user id: a decimal string, ~21 digits. */
  readonly sub: string;
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly name?: string;
  readonly given_name?: string;
  readonly family_name?: string;
  readonly picture?: string;
  /** Hosted domain, for Workspace accounts. */
  readonly hd?: string;
}

export interface GoogleOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Google returns an id_token when `openid` is in scope; the gateway reads userinfo instead. Default true. */
  readonly idToken?: boolean;
}

export interface FakeGoogle extends FakeServer {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Registers a code as Google's consent screen would; single-use, bound to redirectUri and the PKCE challenge. */
  issueCode(request: CodeRequest<GoogleProfile>): string;
  /** Consent to the authorization URL the gateway built: a code for that URL's redirect_uri, state and challenge. */
  approve(authorizationUrl: string, profile: GoogleProfile): Approval;
  expireCode(code: string): void;
  revokeAccessToken(token: string): void;
}

const PATHS = { authorize: '/o/oauth2/v2/auth', token: '/token', userinfo: '/v1/userinfo' } as const;
const SCOPE = 'https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile openid';
const ISSUER = 'https://accounts.google.com';

export async function startFakeGoogle(options: GoogleOptions = {}): Promise<FakeGoogle> {
  const clientId = options.clientId ?? `${Date.now()}-${randomToken(12).toLowerCase()}.apps.googleusercontent.com`;
  const clientSecret = options.clientSecret ?? `GOCSPX-${randomToken(21)}`;
  const idTokenKey = randomToken(32);
  const grants = new Grants<GoogleProfile>();

  const token = (call: RecordedCall): Reply => {
    if (call.method !== 'POST') return error(405, 'invalid_request', 'fake: the token endpoint takes POST only');
    if (!call.contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return error(400, 'invalid_request', 'fake: expected an application/x-www-form-urlencoded body');
    }
    const form = call.form;
    if (call.repeatedParams.length > 0) return error(400, 'invalid_request', `fake: repeated parameter ${call.repeatedParams.join(', ')}`);
    if (form.grant_type !== 'authorization_code') return error(400, 'unsupported_grant_type', `Invalid grant_type: ${form.grant_type ?? ''}`);
    // Client authentication comes first: a bad client never learns whether its code was good.
    if (form.client_id !== clientId) return error(401, 'invalid_client', 'The OAuth client was not found.');
    if (form.client_secret === undefined) return error(400, 'invalid_request', 'client_secret is missing.');
    if (form.client_secret !== clientSecret) return error(401, 'invalid_client', 'Unauthorized');
    if (!form.code) return error(400, 'invalid_request', 'Missing required parameter: code');
    const issued = grants.find(form.code);
    if (!issued) return error(400, 'invalid_grant', 'Malformed auth code.');
    if (issued.used || issued.expired) return error(400, 'invalid_grant', 'Bad Request');
    if (form.redirect_uri !== issued.redirectUri) return error(400, 'redirect_uri_mismatch', 'Bad Request');
    if (issued.codeChallenge !== undefined) {
      if (form.code_verifier === undefined) return error(400, 'invalid_grant', 'Missing code verifier.');
      if (!isWellFormedVerifier(form.code_verifier) || s256(form.code_verifier) !== issued.codeChallenge) {
        return error(400, 'invalid_grant', 'Invalid code verifier.');
      }
    } else if (form.code_verifier !== undefined) {
      // A verifier for a code issued without a challenge means the client mixed up its flows.
      return error(400, 'invalid_grant', 'Invalid code verifier.');
    }
    // A failed attempt above leaves the code unspent, so a test can retry it once corrected.
    const accessToken = grants.redeem(issued, 'ya29.');
    return json(200, {
      access_token: accessToken,
      expires_in: 3599,
      scope: SCOPE,
      token_type: 'Bearer',
      ...(options.idToken !== false && { id_token: idToken(issued.profile, clientId, idTokenKey) }),
    });
  };

  const userinfo = (call: RecordedCall): Reply => {
    if (call.method !== 'GET' && call.method !== 'POST') return error(405, 'invalid_request', 'fake: userinfo takes GET or POST');
    const profile = grants.profileFor(bearerToken(call));
    if (!profile) {
      return {
        status: 401,
        body: { error: 'invalid_request', error_description: 'Invalid Credentials' },
        headers: { 'www-authenticate': `Bearer realm="${ISSUER}/", error="invalid_token"` },
      };
    }
    return json(200, profile);
  };

  const server = await startFakeServer({
    paths: PATHS,
    jsonContentType: 'application/json; charset=utf-8',
    handle: (endpoint, call) => (endpoint === 'token' ? token(call) : userinfo(call)),
    onReset: () => grants.clear(),
  });
  const issueCode = (request: CodeRequest<GoogleProfile>) => grants.issue(request, '4/0A');
  return Object.assign(server, {
    clientId,
    clientSecret,
    issueCode,
    approve: (authorizationUrl: string, profile: GoogleProfile) =>
      approveAuthorization(authorizationUrl, { authorizeUrl: server.authorizeUrl, clientId, pkce: true }, issueCode, profile),
    expireCode: (code: string) => grants.expire(code),
    revokeAccessToken: (accessToken: string) => grants.revoke(accessToken),
  });
}

function json(status: number, body: object): Reply {
  // Google marks token and userinfo answers uncacheable.
  return { status, body, headers: { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate', pragma: 'no-cache' } };
}

function error(status: number, code: string, description: string): Reply {
  return json(status, { error: code, error_description: description });
}

/**
 * An id_token with Google's claims, signed HS256 with a key nobody else has: well-formed, but
 * not verifiable against Google's keys, so a gateway that trusted it unverified would be caught.
 */
function idToken(profile: GoogleProfile, clientId: string, key: string): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'HS256', typ: 'JWT', kid: 'fake-google' };
  const claims = { iss: ISSUER, azp: clientId, aud: clientId, iat: now, exp: now + 3600, ...profile };
  const encode = (part: object) => Buffer.from(toJson(part)).toString('base64url');
  const unsigned = `${encode(header)}.${encode(claims)}`;
  return `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
}
