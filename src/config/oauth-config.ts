import { boolean, type Reader, url } from './parsers.js';
/** The social sign-in providers the gateway speaks to. */
export const OAUTH_PROVIDERS = ['GOOGLE', 'NAVER', 'KAKAO'] as const;
export type OAuthProviderName = (typeof OAUTH_PROVIDERS)[number];

export interface OAuthProviderConfig {
  readonly clientId: string;
  /** Null only where the provider allows apps without one (Kakao). */
  readonly clientSecret: string | null;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly userInfoUrl: string;
}

export interface OAuthConfig {
  /** Null: the provider is off (no client id configured). */
  readonly providers: Readonly<Record<OAuthProviderName, OAuthProviderConfig | null>>;
  readonly redirectUris: readonly string[];
  readonly requireState: boolean;
}

// The providers' real endpoints; each can be pointed elsewhere (a local stand-in, say).
const ENDPOINTS: Record<OAuthProviderName, { authorize: string; token: string; userInfo: string }> = {
  GOOGLE: {
    authorize: 'https://accounts.google.com/o/oauth2/v2/auth',
    token: 'https://oauth2.googleapis.com/token',
    userInfo: 'https://openidconnect.googleapis.com/v1/userinfo',
  },
  NAVER: {
    authorize: 'https://nid.naver.com/oauth2.0/authorize',
    token: 'https://nid.naver.com/oauth2.0/token',
    userInfo: 'https://openapi.naver.com/v1/nid/me',
  },
  KAKAO: {
    authorize: 'https://kauth.kakao.com/oauth/authorize',
    token: 'https://kauth.kakao.com/oauth/token',
    userInfo: 'https://kapi.kakao.com/v2/user/me',
  },
};

const SECRET_OPTIONAL: readonly OAuthProviderName[] = ['KAKAO'];

/** Reads the OAUTH_* variables through loadConfig's reader, so problems are reported alike. */
export function readOAuthConfig(read: Reader, problem: (line: string) => void): OAuthConfig {
  const providers = Object.fromEntries(OAUTH_PROVIDERS.map((provider) => [provider, readProvider(provider, read, problem)])) as Record<
    OAuthProviderName,
    OAuthProviderConfig | null
  >;
  return {
    providers,
    redirectUris: read('OAUTH_REDIRECT_URIS', ['http://localhost:3000/oauth/callback'], (raw) => raw.split(',').map((uri) => absoluteUri(uri.trim()))),
    requireState: read('OAUTH_REQUIRE_STATE', false, boolean),
  };
}

function readProvider(provider: OAuthProviderName, read: Reader, problem: (line: string) => void): OAuthProviderConfig | null {
  const name = (setting: string) => `OAUTH_${provider}_${setting}`;
  const clientId = read(name('CLIENT_ID'), null, (raw) => raw);
  const clientSecret = read(name('CLIENT_SECRET'), null, (raw) => raw);
  const endpoints = ENDPOINTS[provider];
  const authorizeUrl = read(name('AUTHORIZE_URL'), endpoints.authorize, httpUrl);
  const tokenUrl = read(name('TOKEN_URL'), endpoints.token, httpUrl);
  const userInfoUrl = read(name('USERINFO_URL'), endpoints.userInfo, httpUrl);
  if (clientId === null) {
    if (clientSecret !== null) problem(`${name('CLIENT_SECRET')}: set ${name('CLIENT_ID')} too, or neither`);
    return null;
  }
  if (clientSecret === null && !SECRET_OPTIONAL.includes(provider)) {
    problem(`${name('CLIENT_SECRET')}: required when ${name('CLIENT_ID')} is set`);
    return null;
  }
  return { clientId, clientSecret, authorizeUrl, tokenUrl, userInfoUrl };
}

/** Any absolute URI: mobile apps redirect to their own schemes (`myapp://oauth`). */
function absoluteUri(raw: string): string {
  if (!URL.canParse(raw)) throw new Error(`expected an absolute URI, got "${raw}"`);
  return raw;
}

function httpUrl(raw: string): string {
  return url(raw, ['https:', 'http:']);
}
