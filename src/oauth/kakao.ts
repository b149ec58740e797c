import type { OAuthProviderConfig } from '../config/oauth-config.js';
import { type AuthorizeRequest, authorizationCodeUrl, type CodeExchange, type OAuthProfile, type OAuthProvider, ProviderError } from './provider.js';
import { getWithBearer, object, postForm, type ProviderResponse, text } from './provider-http.js';

/** Kakao Login: authorization code with PKCE; profile from /v2/user/me. */
export class KakaoProvider implements OAuthProvider {
  readonly name = 'KAKAO';
  readonly supportsPkce = true;

  constructor(private readonly config: OAuthProviderConfig) {}

  authorizeUrl(request: AuthorizeRequest): string {
    return authorizationCodeUrl(this.config, request);
  }

  async exchangeCode(exchange: CodeExchange): Promise<string> {
    const response = await postForm(
      this.config.tokenUrl,
      {
        grant_type: 'authorization_code',
        client_id: this.config.clientId,
        redirect_uri: exchange.redirectUri,
        code: exchange.code,
        // Sent only when the app has one: Kakao apps may run without a client secret.
        client_secret: this.config.clientSecret,
        code_verifier: exchange.codeVerifier,
      },
      'application/x-www-form-urlencoded;charset=utf-8',
    );
    const token = response.status === 200 ? text(response.body, 'access_token') : null;
    if (!token) throw failure('token', response);
    return token;
  }

  async profile(accessToken: string): Promise<OAuthProfile> {
    const response = await getWithBearer(this.config.userInfoUrl, accessToken);
    // The id is a number on the wire; the HTTP layer keeps its exact digits as a string.
    const id = response.status === 200 ? response.body?.id : undefined;
    if (typeof id !== 'string' || !/^\d+$/.test(id)) throw failure('user/me', response);
    const account = object(response.body, 'kakao_account');
    const email = text(account, 'email');
    return {
      id,
      email,
      // Kakao vouches for an email only when it is both valid and verified.
      emailVerified: email !== null && account?.is_email_valid === true && account?.is_email_verified === true,
      nickname: text(object(account, 'profile'), 'nickname') ?? text(object(response.body, 'properties'), 'nickname'),
    };
  }
}

/** Kakao errors: OAuth's `{ error, error_code: "KOE…" }` at kauth, `{ msg, code: -401 }` at kapi. */
function failure(step: string, response: ProviderResponse): ProviderError {
  const body = response.body;
  const code = text(body, 'error_code') ?? text(body, 'error') ?? (typeof body?.code === 'number' ? String(body.code) : null) ?? `http_${response.status}`;
  return new ProviderError(code, `${step}: HTTP ${response.status} ${text(body, 'error_description') ?? text(body, 'msg') ?? ''}`.trim());
}
