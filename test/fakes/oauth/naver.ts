import {
  type Approval,
  approveAuthorization,
  bearerToken,
  type CodeRequest,
  type FakeServer,
  Grants,
  randomToken,
  type RecordedCall,
  type Reply,
  startFakeServer,
} from './base.js';

/**
 * Naver Login as the gateway meets it: https://nid.naver.com/oauth2.0/token (GET or POST, the
 * parameters in the query string or a form) and GET https://openapi.naver.com/v1/nid/me.
 *
 * Naver's token endpoint answers errors with HTTP 200 and `{ error, error_description }`
 * ("no valid data in session" for a bad or spent code, "wrong client id / client secret pair"),
 * sends expires_in as a string, and has no PKCE. /v1/nid/me answers 401 with resultcode "024"
 * (bad token) or "028" (no Authorization header), in Naver's bilingual wording.
 */

export interface NaverProfile {
  /** Naver's per-app user id: a string. */
  readonly id: string;
  readonly email?: string;
  readonly nickname?: string;
  readonly name?: string;
  readonly profile_image?: string;
}

export interface NaverOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
}

/** Naver has no PKCE, and its authorize request requires state. */
export type NaverCodeRequest = Omit<CodeRequest<NaverProfile>, 'codeChallenge'>;

export interface FakeNaver extends FakeServer {
  readonly clientId: string;
  readonly clientSecret: string;
  issueCode(request: NaverCodeRequest): string;
  approve(authorizationUrl: string, profile: NaverProfile): Approval;
  expireCode(code: string): void;
  revokeAccessToken(token: string): void;
}

const PATHS = { authorize: '/oauth2.0/authorize', token: '/oauth2.0/token', userinfo: '/v1/nid/me' } as const;
const NO_SESSION = { error: 'invalid_request', error_description: 'no valid data in session' } as const;

export async function startFakeNaver(options: NaverOptions = {}): Promise<FakeNaver> {
  const clientId = options.clientId ?? randomToken(15);
  const clientSecret = options.clientSecret ?? randomToken(8);
  const grants = new Grants<NaverProfile>();

  const token = (call: RecordedCall): Reply => {
    if (call.method !== 'GET' && call.method !== 'POST') return { status: 405, body: { error: 'invalid_request', error_description: 'fake: GET or POST only' } };
    // Naver's own examples put everything in the query string; form posts work too. A test reads
    // call.query and call.form to see which one the gateway used.
    const params = { ...call.query, ...call.form };
    if (call.repeatedParams.length > 0) return ok({ error: 'invalid_request', error_description: `fake: repeated parameter ${call.repeatedParams.join(', ')}` });
    if (params.grant_type !== 'authorization_code') return ok({ error: 'unsupported_grant_type', error_description: `fake: unsupported grant_type ${params.grant_type ?? ''}` });
    if (params.client_id !== clientId || params.client_secret !== clientSecret) {
      return ok({ error: 'invalid_request', error_description: 'wrong client id / client secret pair' });
    }
    if (params.state === undefined) return ok({ error: 'invalid_request', error_description: 'fake: state is required' });
    const issued = grants.find(params.code);
    if (!issued || issued.used || issued.expired) return ok(NO_SESSION);
    // The code lives in the session its authorize request opened, under that request's state.
    if (issued.state !== undefined && params.state !== issued.state) return ok(NO_SESSION);
    // redirect_uri is not checked: Naver's token request does not list it (clients send it anyway).
    return ok({ access_token: grants.redeem(issued, 'AAAAO'), refresh_token: randomToken(32), token_type: 'bearer', expires_in: '3600' });
  };

  const userinfo = (call: RecordedCall): Reply => {
    if (call.method !== 'GET') return { status: 405, body: { resultcode: '405', message: 'fake: GET only' } };
    if (call.headers.authorization === undefined) {
      return { status: 401, body: { resultcode: '028', message: 'Authentication header not exists / OAuth 인증 헤더(authorization header)가 없습니다.' } };
    }
    const profile = grants.profileFor(bearerToken(call));
    if (!profile) return { status: 401, body: { resultcode: '024', message: 'Authentication failed / 인증에 실패했습니다.' } };
    return ok({ resultcode: '00', message: 'success', response: profile });
  };

  const server = await startFakeServer({
    paths: PATHS,
    jsonContentType: 'application/json;charset=utf-8',
    handle: (endpoint, call) => (endpoint === 'token' ? token(call) : userinfo(call)),
    onReset: () => grants.clear(),
  });
  const issueCode = (request: NaverCodeRequest) => grants.issue(request);
  return Object.assign(server, {
    clientId,
    clientSecret,
    issueCode,
    approve: (authorizationUrl: string, profile: NaverProfile) =>
      approveAuthorization(authorizationUrl, { authorizeUrl: server.authorizeUrl, clientId, pkce: false, requireState: true }, issueCode, profile),
    expireCode: (code: string) => grants.expire(code),
    revokeAccessToken: (accessToken: string) => grants.revoke(accessToken),
  });
}

/** Naver answers its token errors with HTTP 200 too. */
function ok(body: object): Reply {
  return { status: 200, body };
}
