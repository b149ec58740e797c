import { bearer } from './graphql-client.js';
import type { TestApp } from './test-app.js';

export const AUTH_FIELDS = 'accessToken refreshToken tokenType expiresIn refreshExpiresIn isNewUser user { id email emailVerified nickname providers hasPassword createdAt }';

/** Anything that answers GraphQL: a test app, or a gateway running as its own process. */
export type GraphQLClient = Pick<TestApp, 'gql'>;

export interface AuthPayload {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  expiresIn: number;
  refreshExpiresIn: number;
  isNewUser: boolean;
  user: { id: string; email: string | null; emailVerified: boolean; nickname: string; providers: string[]; hasPassword: boolean; createdAt: string };
}

let counter = 0;

/** A unique email per call, so tests never collide. */
export function uniqueEmail(): string {
  counter += 1;
  return `user${counter}.${process.pid}.${Date.now()}@example.com`;
}

export const PASSWORD = 'correct horse battery';

export async function signUp(app: GraphQLClient, email = uniqueEmail(), password = PASSWORD, headers?: Record<string, string>): Promise<AuthPayload> {
  const response = await app.gql<{ signUp: AuthPayload }>(
    `mutation($input: SignUpInput!) { signUp(input: $input) { ${AUTH_FIELDS} } }`,
    { input: { email, password, nickname: 'Tester' } },
    headers,
  );
  if (!response.data?.signUp) throw new Error(`signUp failed: ${response.text}`);
  return response.data.signUp;
}

/** One signIn attempt, answered as the client sees it (success or error). */
export async function signIn(app: GraphQLClient, email: string, password: string, headers?: Record<string, string>) {
  return app.gql<{ signIn: AuthPayload }>(`mutation($input: SignInInput!) { signIn(input: $input) { ${AUTH_FIELDS} } }`, { input: { email, password } }, headers);
}

/** Another session of an existing user (signs in again); throws with the response when refused. */
export async function signedIn(app: GraphQLClient, email: string, headers?: Record<string, string>): Promise<AuthPayload> {
  const response = await signIn(app, email, PASSWORD, headers);
  if (!response.data?.signIn) throw new Error(`signIn failed: ${response.text}`);
  return response.data.signIn;
}

export async function refresh(app: GraphQLClient, refreshToken: string, headers?: Record<string, string>) {
  return app.gql<{ refresh: AuthPayload }>(`mutation($t: String!) { refresh(refreshToken: $t) { ${AUTH_FIELDS} } }`, { t: refreshToken }, headers);
}

export async function loginState(app: GraphQLClient, accessToken: string): Promise<string | undefined> {
  const response = await app.gql<{ loginState: string }>('{ loginState }', undefined, { authorization: `Bearer ${accessToken}` });
  return response.data?.loginState;
}

/** Refreshes and returns the new pair; throws with the response when the refresh was refused. */
export async function refreshed(app: GraphQLClient, refreshToken: string, headers?: Record<string, string>): Promise<AuthPayload> {
  const response = await refresh(app, refreshToken, headers);
  if (!response.data?.refresh) throw new Error(`refresh failed: ${response.text}`);
  return response.data.refresh;
}

/** The session id a refresh token (`<user id>.<session id>.<secret>`) names. */
export function sessionIdOf(refreshToken: string): string {
  return refreshToken.split('.')[1]!;
}

export interface StoredHashes {
  currentHash: string;
  previousHash: string | null;
}

const inspectors = new WeakMap<TestApp, ReturnType<TestApp['redis']>>();
function inspector(app: TestApp) {
  if (!inspectors.has(app)) inspectors.set(app, app.redis());
  return inspectors.get(app)!;
}

/** The refresh-token hashes a session has in the app's session store, read directly; null when it is gone. */
export async function storedSession(app: TestApp, sessionId: string): Promise<StoredHashes | null> {
  if (app.gateway.sessionStore === 'postgres') {
    const [row] = await app.sql<{ current_hash: string; previous_hash: string | null }>('select current_hash, previous_hash from sessions where id = $1', [sessionId]);
    return row ? { currentHash: row.current_hash, previousHash: row.previous_hash } : null;
  }
  // Session keys are `<prefix>session:{<user id>}:<session id>`; a test may not know the user.
  const [key] = await inspector(app).keys(`${app.redisPrefix}session:*:${sessionId}`);
  if (!key) return null;
  const hash = await inspector(app).hgetall(key);
  return hash.currentHash === undefined ? null : { currentHash: hash.currentHash, previousHash: hash.previousHash ?? null };
}

/** The ids of a user's stored sessions (Redis: the user's session index), sorted. */
export async function storedSessionIds(app: TestApp, userId: string): Promise<string[]> {
  if (app.gateway.sessionStore === 'postgres') {
    return (await app.sql<{ id: string }>('select id from sessions where user_id = $1', [userId])).map((row) => row.id).sort();
  }
  return (await inspector(app).zrange(`${app.redisPrefix}sessions:{${userId}}`, '0', '-1')).sort();
}

export const SESSION_FIELDS = 'id createdAt lastUsedAt expiresAt userAgent ip current';

/** One entry of the `sessions` query. */
export interface DeviceSession {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

/** The `sessions` query asked with an access token, answered as the client sees it. */
export async function sessions(app: GraphQLClient, accessToken: string) {
  return app.gql<{ sessions: DeviceSession[] }>(`{ sessions { ${SESSION_FIELDS} } }`, undefined, bearer(accessToken));
}

/** The caller's listed sessions; throws with the response when the query was refused. */
export async function listedSessions(app: GraphQLClient, accessToken: string): Promise<DeviceSession[]> {
  const response = await sessions(app, accessToken);
  if (!response.data?.sessions) throw new Error(`sessions failed: ${response.text}`);
  return response.data.sessions;
}

/** The ids the caller's `sessions` query lists, in its order. */
export async function listedSessionIds(app: GraphQLClient, accessToken: string): Promise<string[]> {
  return (await listedSessions(app, accessToken)).map((session) => session.id);
}

export async function revokeSession(app: GraphQLClient, accessToken: string, id: string) {
  return app.gql<{ revokeSession: boolean }>('mutation($id: ID!) { revokeSession(id: $id) }', { id }, bearer(accessToken));
}
