import { OAUTH_PROVIDERS, type OAuthConfig, type OAuthProviderConfig, type OAuthProviderName } from '../config/oauth-config.js';
import { GoogleProvider } from './google.js';
import { KakaoProvider } from './kakao.js';
import { NaverProvider } from './naver.js';
import type { OAuthProvider } from './provider.js';

export type { OAuthProfile, OAuthProvider } from './provider.js';
export { ProviderError } from './provider.js';

const FACTORIES: Record<OAuthProviderName, (config: OAuthProviderConfig) => OAuthProvider> = {
  GOOGLE: (config) => new GoogleProvider(config),
  NAVER: (config) => new NaverProvider(config),
  KAKAO: (config) => new KakaoProvider(config),
};

/** The configured providers; a provider without a client id is absent. */
export function configuredProviders(config: OAuthConfig): Map<OAuthProviderName, OAuthProvider> {
  const providers = new Map<OAuthProviderName, OAuthProvider>();
  for (const name of OAUTH_PROVIDERS) {
    const settings = config.providers[name];
    if (settings) providers.set(name, FACTORIES[name](settings));
  }
  return providers;
}
