import { type FakeGoogle, type FakeKakao, type FakeNaver, type FakeServer, startFakeGoogle, startFakeKakao, startFakeNaver } from '../fakes/oauth/index.js';
import { AUTH_FIELDS, type AuthPayload, type GraphQLClient } from './accounts.js';
import type { GraphQLResponse } from './graphql-client.js';
import { createTestApp, type StoreKind, type TestApp } from './test-app.js';

/** The redirect URI every OAuth test app allows first (see envFor). */
export const REDIRECT_URI = 'https://app.example.com/oauth/callback';

export type ProviderName = 'GOOGLE' | 'KAKAO' | 'NAVER';

export const OAUTH_LOGIN = `mutation($provider: OAuthProvider!, $code: String!, $redirectUri: String, $state: String, $codeVerifier: String) {
  oauthLogin(provider: $provider, code: $code, redirectUri: $redirectUri, state: $state, codeVerifier: $codeVerifier) { ${AUTH_FIELDS} }
}`;

export const OAUTH_AUTHORIZATION_URL = `query($provider: OAuthProvider!, $redirectUri: String!, $codeChallenge: String) {
  oauthAuthorizationUrl(provider: $provider, redirectUri: $redirectUri, codeChallenge: $codeChallenge) { url state }
}`;

export interface OAuthLoginVars {
  provider: ProviderName;
  code: string;
  redirectUri?: string | null;
  state?: string | null;
  codeVerifier?: string | null;
}

/** One oauthLogin call, answered as the client sees it (success or error). */
export function oauthLogin(app: GraphQLClient, vars: OAuthLoginVars, headers?: Record<string, string>): Promise<GraphQLResponse<{ oauthLogin: AuthPayload }>> {
  return app.gql<{ oauthLogin: AuthPayload }>(OAUTH_LOGIN, { ...vars }, headers);
}

/** One oauthAuthorizationUrl query, answered as the client sees it; `codeChallenge` when the client runs PKCE itself. */
export function authorizationUrl(app: GraphQLClient, provider: ProviderName, redirectUri = REDIRECT_URI, codeChallenge?: string) {
  return app.gql<{ oauthAuthorizationUrl: { url: string; state: string } }>(OAUTH_AUTHORIZATION_URL, { provider, redirectUri, codeChallenge });
}

/** The {url, state} the gateway issued; throws with the response when refused. */
export async function authorized(app: GraphQLClient, provider: ProviderName, redirectUri = REDIRECT_URI, codeChallenge?: string): Promise<{ url: string; state: string }> {
  const response = await authorizationUrl(app, provider, redirectUri, codeChallenge);
  if (!response.data?.oauthAuthorizationUrl) throw new Error(`oauthAuthorizationUrl failed: ${response.text}`);
  return response.data.oauthAuthorizationUrl;
}

/** What envFor needs of a started fake (FakeGoogle, FakeKakao and FakeNaver all fit). */
export interface FakeEndpoints {
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly userInfoUrl: string;
  readonly clientId: string;
  readonly clientSecret: string | null;
}

/**
 * OAUTH_<P>_* settings pointing the gateway at started fakes, plus OAUTH_REDIRECT_URIS
 * (REDIRECT_URI first, then `redirectUris`). A fake whose clientSecret is null gets no
 * OAUTH_<P>_CLIENT_SECRET at all.
 */
export function envFor(fakes: Partial<Record<Lowercase<ProviderName>, FakeEndpoints>>, redirectUris: string[] = []): Record<string, string> {
  const env: Record<string, string> = { OAUTH_REDIRECT_URIS: [REDIRECT_URI, ...redirectUris].join(',') };
  for (const [name, fake] of Object.entries(fakes)) {
    if (!fake) continue;
    const p = name.toUpperCase();
    env[`OAUTH_${p}_CLIENT_ID`] = fake.clientId;
    if (fake.clientSecret !== null) env[`OAUTH_${p}_CLIENT_SECRET`] = fake.clientSecret;
    env[`OAUTH_${p}_AUTHORIZE_URL`] = fake.authorizeUrl;
    env[`OAUTH_${p}_TOKEN_URL`] = fake.tokenUrl;
    env[`OAUTH_${p}_USERINFO_URL`] = fake.userInfoUrl;
  }
  return env;
}

/** What a fake's consent screen answers (FakeGoogle, FakeKakao and FakeNaver all fit). */
export interface Approver<P> {
  approve(url: string, profile: P): { code: string; state: string | undefined; redirectUri: string };
}

/**
 * The whole browser round trip: oauthAuthorizationUrl, the fake's consent for `profile`, then
 * oauthLogin with the code, state and redirect URI it came back with (`vars` override any of them).
 * Returns the oauthLogin response as the client sees it, and the approval.
 */
export async function approvedLogin<P>(app: GraphQLClient, provider: ProviderName, fake: Approver<P>, profile: P, vars: Partial<OAuthLoginVars> = {}) {
  const { url } = await authorized(app, provider);
  const approval = fake.approve(url, profile);
  const response = await oauthLogin(app, { provider, code: approval.code, redirectUri: approval.redirectUri, state: approval.state ?? null, ...vars });
  return { response, approval, url };
}

/** approvedLogin's payload; throws with the response when the login was refused. */
export async function loggedIn<P>(app: GraphQLClient, provider: ProviderName, fake: Approver<P>, profile: P): Promise<AuthPayload> {
  const { response } = await approvedLogin(app, provider, fake, profile);
  if (!response.data?.oauthLogin) throw new Error(`oauthLogin failed: ${response.text}`);
  return response.data.oauthLogin;
}

/** extensions.providerError of a response's only error, after checking it is OAUTH_PROVIDER_ERROR. */
export function providerErrorOf(response: GraphQLResponse<unknown>): unknown {
  if (response.errors?.length !== 1 || response.errors[0]!.extensions?.code !== 'OAUTH_PROVIDER_ERROR') {
    throw new Error(`expected one OAUTH_PROVIDER_ERROR, got ${response.text}`);
  }
  return response.errors[0]!.extensions.providerError;
}

export interface FakeProviders {
  google: FakeGoogle;
  kakao: FakeKakao;
  naver: FakeNaver;
}

/**
 * The three fake providers for a test file (await it at the top of the file): reset after each
 * test, closed after the file.
 */
export async function useFakeProviders(): Promise<FakeProviders> {
  const [google, kakao, naver] = await Promise.all([startFakeGoogle(), startFakeKakao(), startFakeNaver()]);
  const fakes = { google, kakao, naver };
  afterEach(() => Object.values(fakes).forEach((fake) => fake.reset()));
  afterAll(() => Promise.all(Object.values(fakes).map((fake) => fake.close())));
  return fakes;
}

/**
 * A test file about one provider (await it at the top of the file): its fake, started now, and a
 * test app per session store pointed at it (allowing `redirectUris` beside REDIRECT_URI), started
 * before the tests. The fake is reset after each test; apps and fake are closed after the file.
 */
export async function useProviderApps<F extends FakeServer & FakeEndpoints>(
  provider: Lowercase<ProviderName>,
  start: () => Promise<F>,
  redirectUris: string[] = [],
): Promise<{ fake: F; apps: Record<StoreKind, TestApp> }> {
  const fake = await start();
  const apps = {} as Record<StoreKind, TestApp>;
  beforeAll(async () => {
    const env = envFor({ [provider]: fake }, redirectUris);
    [apps.redis, apps.postgres] = await Promise.all([createTestApp(env, { store: 'redis' }), createTestApp(env, { store: 'postgres' })]);
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await Promise.all(Object.values(apps).map((app) => app.close()));
    await fake.close();
  });
  return { fake, apps };
}
