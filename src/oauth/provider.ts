import type { OAuthProviderConfig, OAuthProviderName } from '../config/oauth-config.js';

/** A provider's account, normalised: nothing outside a provider's file knows its JSON. */
export interface OAuthProfile {
  /** The provider's user id, as a string (Kakao's is a number on the wire). */
  id: string;
  email: string | null;
  /** True only where the provider says the email is verified. */
  emailVerified: boolean;
  nickname: string | null;
}

export interface AuthorizeRequest {
  redirectUri: string;
  state: string;
  /** S256 PKCE challenge; ignored by a provider without PKCE. */
  codeChallenge: string | null;
}

export interface CodeExchange {
  code: string;
  redirectUri: string | null;
  /** Naver requires the state of the authorize request at its token endpoint. */
  state: string | null;
  codeVerifier: string | null;
}

export interface OAuthProvider {
  readonly name: OAuthProviderName;
  readonly supportsPkce: boolean;
  authorizeUrl(request: AuthorizeRequest): string;
  /** Trades an authorization code for the provider's access token. */
  exchangeCode(exchange: CodeExchange): Promise<string>;
  profile(accessToken: string): Promise<OAuthProfile>;
}

/**
 * A provider refused or failed: `code` is the provider's own error code (or ours for transport
 * failures: `timeout`, `unreachable`, `response_too_large`, `unexpected_redirect`,
 * `invalid_response`); `detail` is for the log.
 */
export class ProviderError extends Error {
  /** For the log: token-like runs (a code echoed back, say) masked, and kept short. */
  readonly detail: string;

  constructor(
    readonly code: string,
    detail: string,
  ) {
    super(`provider error ${code}`);
    this.name = 'ProviderError';
    this.detail = detail.replace(/[A-Za-z0-9\-._~+/=]{20,}/g, '[redacted]').slice(0, 300);
  }
}

/** An OAuth 2.0 authorization-code URL (RFC 6749 §4.1.1, with RFC 7636 S256 PKCE when given). */
export function authorizationCodeUrl(config: OAuthProviderConfig, request: AuthorizeRequest, extra: Record<string, string> = {}): string {
  const url = new URL(config.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: request.redirectUri,
    ...extra,
    state: request.state,
    ...(request.codeChallenge && { code_challenge: request.codeChallenge, code_challenge_method: 'S256' }),
  }).toString();
  return url.toString();
}
