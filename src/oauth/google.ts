import type { OAuthProviderConfig } from '../config/oauth-config.js';
import { type AuthorizeRequest, authorizationCodeUrl, type CodeExchange, type OAuthProfile, type OAuthProvider, ProviderError } from './provider.js';
import { getWithBearer, postForm, type ProviderResponse, text } from './provider-http.js';

/** Google sign-in: OAuth 2.0 authorization code with PKCE, profile from the OIDC userinfo endpoint. */
export class GoogleProvider implements OAuthProvider {
  readonly name = 'GOOGLE';
  readonly supportsPkce = true;

  constructor(private readonly config: OAuthProviderConfig) {}

  authorizeUrl(request: AuthorizeRequest): string {
    return authorizationCodeUrl(this.config, request, { scope: 'openid email profile' });
  }

  async exchangeCode(exchange: CodeExchange): Promise<string> {
    const response = await postForm(this.config.tokenUrl, {
      grant_type: 'authorization_code',
      code: exchange.code,
      client_id: this.config.clientId,
      client_secret: this.config.clientSecret,
      redirect_uri: exchange.redirectUri,
      code_verifier: exchange.codeVerifier,
    });
    const token = response.status === 200 ? text(response.body, 'access_token') : null;
    if (!token) throw failure('token', response);
    return token;
  }

  async profile(accessToken: string): Promise<OAuthProfile> {
    const response = await getWithBearer(this.config.userInfoUrl, accessToken);
    const id = response.status === 200 ? text(response.body, 'sub') : null;
    if (!id) throw failure('userinfo', response);
    const body = response.body!;
    return {
      id,
      email: text(body, 'email'),
      // OIDC says boolean; some Google responses have carried the string "true".
      emailVerified: body.email_verified === true || body.email_verified === 'true',
      nickname: text(body, 'name') ?? text(body, 'given_name'),
    };
  }
}

/** Google errors are OAuth's `{ error, error_description }`. */
function failure(step: string, response: ProviderResponse): ProviderError {
  return new ProviderError(text(response.body, 'error') ?? `http_${response.status}`, `${step}: HTTP ${response.status} ${text(response.body, 'error_description') ?? ''}`.trim());
}
