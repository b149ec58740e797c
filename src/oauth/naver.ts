import type { OAuthProviderConfig } from '../config/oauth-config.js';
import { randomSecret } from '../infra/random.js';
import { type AuthorizeRequest, authorizationCodeUrl, type CodeExchange, type OAuthProfile, type OAuthProvider, ProviderError } from './provider.js';
import { getWithBearer, object, postForm, type ProviderResponse, text } from './provider-http.js';

/** Naver Login: authorization code (no PKCE); profile from /v1/nid/me. */
export class NaverProvider implements OAuthProvider {
  readonly name = 'NAVER';
  readonly supportsPkce = false;

  constructor(private readonly config: OAuthProviderConfig) {}

  authorizeUrl(request: AuthorizeRequest): string {
    return authorizationCodeUrl(this.config, { ...request, codeChallenge: null });
  }

  async exchangeCode(exchange: CodeExchange): Promise<string> {
    const response = await postForm(this.config.tokenUrl, {
      grant_type: 'authorization_code',
      client_id: this.config.clientId,
      client_secret: this.config.clientSecret,
      code: exchange.code,
      // Naver requires a state here; a client that did not use one still gets a fresh value.
      state: exchange.state ?? randomSecret(16),
    });
    // Naver reports errors with HTTP 200 and an `error` field (and sends expires_in as a string).
    const token = response.status === 200 && !text(response.body, 'error') ? text(response.body, 'access_token') : null;
    if (!token) throw failure('token', response, text(response.body, 'error'));
    return token;
  }

  async profile(accessToken: string): Promise<OAuthProfile> {
    const response = await getWithBearer(this.config.userInfoUrl, accessToken);
    const resultCode = text(response.body, 'resultcode');
    const account = object(response.body, 'response');
    const id = resultCode === '00' ? text(account, 'id') : null;
    if (!id) throw failure('nid/me', response, resultCode);
    return {
      id,
      email: text(account, 'email'),
      // Naver gives no verified-email flag, so its emails never count as verified.
      emailVerified: false,
      nickname: text(account, 'nickname') ?? text(account, 'name'),
    };
  }
}

function failure(step: string, response: ProviderResponse, code: string | null): ProviderError {
  const description = text(response.body, 'error_description') ?? text(response.body, 'message') ?? '';
  return new ProviderError(code ?? `http_${response.status}`, `${step}: HTTP ${response.status} ${description}`.trim());
}
