import { randomBytes } from 'node:crypto';
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
} from './base.js';

/**
 * Kakao Login as the gateway meets it: POST https://kauth.kakao.com/oauth/token (form) and
 * GET https://kapi.kakao.com/v2/user/me.
 *
 * kauth errors are `{ error, error_description, error_code: "KOE…" }`; kapi errors are
 * `{ msg, code }`. Seen from the real service: KOE101 "Not exist client_id …", KOE010 "Bad client
 * credentials", KOE320 "authorization code not found for code=…", KOE303 "Redirect URI mismatch.",
 * kapi -401 "this access token does not exist" / "no authentication key!". Kakao documents no
 * answer of its own to a PKCE failure: a token request without the code_verifier a challenged code
 * needs, or with one whose S256 does not match, is answered as Kakao answers a bad code (KOE320).
 */

export interface KakaoProfile {
  /** The member number: a JSON number on the wire. Use a bigint for ids beyond 2^53 (sent as bare digits). */
  readonly id: number | bigint;
  readonly nickname?: string;
  /** Where the nickname appears: kakao_account.profile, the legacy `properties`, or both (default). */
  readonly nicknameIn?: 'account' | 'properties' | 'both';
  readonly email?: string;
  /** Default true when an email is given. */
  readonly isEmailValid?: boolean;
  /** Default true when an email is given. */
  readonly isEmailVerified?: boolean;
  /** The account has an email the user declined to share: has_email true, no email. */
  readonly emailNeedsAgreement?: boolean;
  readonly connectedAt?: string;
}

export interface KakaoOptions {
  /** The app's REST API key. */
  readonly clientId?: string;
  readonly clientSecret?: string;
  /**
   * 'required': the app turned the client secret on, so a token request without it or with a
   * wrong one fails (KOE010). 'disabled': the app has none, and sending one fails too (KOE010,
   * as seen when a stale secret is still configured). Default 'required'.
   */
  readonly clientSecretMode?: 'required' | 'disabled';
}

export interface FakeKakao extends FakeServer {
  readonly clientId: string;
  /** What a correctly configured gateway sends: null when the app has no secret. */
  readonly clientSecret: string | null;
  issueCode(request: CodeRequest<KakaoProfile>): string;
  approve(authorizationUrl: string, profile: KakaoProfile): Approval;
  expireCode(code: string): void;
  revokeAccessToken(token: string): void;
}

const PATHS = { authorize: '/oauth/authorize', token: '/oauth/token', userinfo: '/v2/user/me' } as const;

export async function startFakeKakao(options: KakaoOptions = {}): Promise<FakeKakao> {
  const clientId = options.clientId ?? randomBytes(16).toString('hex');
  const secretMode = options.clientSecretMode ?? 'required';
  const clientSecret = secretMode === 'required' ? (options.clientSecret ?? randomToken(24)) : null;
  const grants = new Grants<KakaoProfile>();

  const token = (call: RecordedCall): Reply => {
    if (call.method !== 'POST') return { status: 405, body: { error: 'invalid_request', error_description: 'fake: the token endpoint takes POST only' } };
    // Kakao documents `application/x-www-form-urlencoded;charset=utf-8`; the charset is optional here.
    if (!call.contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return { status: 400, body: { error: 'invalid_request', error_description: 'fake: expected an application/x-www-form-urlencoded body' } };
    }
    const form = call.form;
    if (call.repeatedParams.length > 0) return { status: 400, body: { error: 'invalid_request', error_description: `fake: repeated parameter ${call.repeatedParams.join(', ')}` } };
    if (form.grant_type !== 'authorization_code') return { status: 400, body: { error: 'unsupported_grant_type', error_description: `fake: unsupported grant_type ${form.grant_type ?? ''}` } };
    // Client checks come before the code: with bad credentials even a dummy code answers KOE010.
    if (form.client_id !== clientId) return kauthError(400, 'invalid_client', `Not exist client_id ${form.client_id ?? '[null]'}`, 'KOE101');
    if (form.client_secret !== (clientSecret ?? undefined)) return kauthError(401, 'invalid_client', 'Bad client credentials', 'KOE010');
    const codeNotFound = kauthError(400, 'invalid_grant', `authorization code not found for code=${form.code ?? ''}`, 'KOE320');
    const issued = grants.find(form.code);
    if (!issued || issued.used || issued.expired) return codeNotFound;
    if (form.redirect_uri !== issued.redirectUri) return kauthError(400, 'invalid_grant', 'Redirect URI mismatch.', 'KOE303');
    // A challenged code needs the verifier whose S256 it is; an unchallenged one takes none.
    const verifier = form.code_verifier;
    const pkceOk =
      issued.codeChallenge === undefined ? verifier === undefined : verifier !== undefined && isWellFormedVerifier(verifier) && s256(verifier) === issued.codeChallenge;
    if (!pkceOk) return codeNotFound;
    // A failed attempt above leaves the code unspent, so a test can retry it once corrected.
    return {
      status: 200,
      body: {
        token_type: 'bearer',
        access_token: grants.redeem(issued),
        expires_in: 21599,
        refresh_token: randomToken(32),
        refresh_token_expires_in: 5183999,
        scope: issued.profile.email === undefined ? 'profile_nickname' : 'account_email profile_nickname',
      },
    };
  };

  const userinfo = (call: RecordedCall): Reply => {
    if (call.method !== 'GET' && call.method !== 'POST') return { status: 405, body: { msg: 'fake: user/me takes GET or POST', code: -2 } };
    const accessToken = bearerToken(call);
    if (accessToken === undefined) return { status: 401, body: { msg: 'no authentication key!', code: -401 } };
    const profile = grants.profileFor(accessToken);
    if (!profile) return { status: 401, body: { msg: 'this access token does not exist', code: -401 } };
    return { status: 200, body: userMe(profile) };
  };

  const server = await startFakeServer({
    paths: PATHS,
    jsonContentType: 'application/json;charset=UTF-8',
    handle: (endpoint, call) => (endpoint === 'token' ? token(call) : userinfo(call)),
    onReset: () => grants.clear(),
  });
  const issueCode = (request: CodeRequest<KakaoProfile>) => grants.issue(request);
  return Object.assign(server, {
    clientId,
    clientSecret,
    issueCode,
    approve: (authorizationUrl: string, profile: KakaoProfile) =>
      approveAuthorization(authorizationUrl, { authorizeUrl: server.authorizeUrl, clientId, pkce: true }, issueCode, profile),
    expireCode: (code: string) => grants.expire(code),
    revokeAccessToken: (accessToken: string) => grants.revoke(accessToken),
  });
}

function kauthError(status: number, error: string, description: string, code: string): Reply {
  return { status, body: { error, error_description: description, error_code: code } };
}

/** The /v2/user/me body: only the parts the profile has, as Kakao leaves out what was not consented to. */
function userMe(profile: KakaoProfile): object {
  const where = profile.nicknameIn ?? 'both';
  const nickname = profile.nickname;
  const inAccount = nickname !== undefined && where !== 'properties';
  const inProperties = nickname !== undefined && where !== 'account';
  const email =
    profile.email !== undefined
      ? {
          has_email: true,
          email_needs_agreement: false,
          is_email_valid: profile.isEmailValid ?? true,
          is_email_verified: profile.isEmailVerified ?? true,
          email: profile.email,
        }
      : profile.emailNeedsAgreement
        ? { has_email: true, email_needs_agreement: true }
        : {};
  return {
    id: profile.id,
    connected_at: profile.connectedAt ?? '2024-01-01T00:00:00Z',
    ...(inProperties && { properties: { nickname } }),
    kakao_account: {
      ...(inAccount && { profile_nickname_needs_agreement: false, profile: { nickname, is_default_nickname: false } }),
      ...email,
    },
  };
}
