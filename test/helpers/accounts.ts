import type { TestApp } from './test-app.js';

export const AUTH_FIELDS = 'accessToken refreshToken tokenType expiresIn refreshExpiresIn isNewUser user { id email emailVerified nickname providers hasPassword createdAt }';

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

export async function signUp(app: TestApp, email = uniqueEmail(), password = PASSWORD): Promise<AuthPayload> {
  const response = await app.gql<{ signUp: AuthPayload }>(
    `mutation($input: SignUpInput!) { signUp(input: $input) { ${AUTH_FIELDS} } }`,
    { input: { email, password, nickname: 'Tester' } },
  );
  if (!response.data?.signUp) throw new Error(`signUp failed: ${response.text}`);
  return response.data.signUp;
}

/** One signIn attempt, answered as the client sees it (success or error). */
export async function signIn(app: TestApp, email: string, password: string) {
  return app.gql<{ signIn: AuthPayload }>(`mutation($input: SignInInput!) { signIn(input: $input) { ${AUTH_FIELDS} } }`, { input: { email, password } });
}

export async function refresh(app: TestApp, refreshToken: string, headers?: Record<string, string>) {
  return app.gql<{ refresh: AuthPayload }>(`mutation($t: String!) { refresh(refreshToken: $t) { ${AUTH_FIELDS} } }`, { t: refreshToken }, headers);
}

export async function loginState(app: TestApp, accessToken: string): Promise<string | undefined> {
  const response = await app.gql<{ loginState: string }>('{ loginState }', undefined, { authorization: `Bearer ${accessToken}` });
  return response.data?.loginState;
}

/** Refreshes and returns the new pair; throws with the response when the refresh was refused. */
export async function refreshed(app: TestApp, refreshToken: string, headers?: Record<string, string>): Promise<AuthPayload> {
  const response = await refresh(app, refreshToken, headers);
  if (!response.data?.refresh) throw new Error(`refresh failed: ${response.text}`);
  return response.data.refresh;
}

/** The session id a refresh token (`<sessionId>.<secret>`) names. */
export function sessionIdOf(refreshToken: string): string {
  return refreshToken.slice(0, refreshToken.indexOf('.'));
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
  const hash = await inspector(app).hgetall(`${app.redisPrefix}session:${sessionId}`);
  return hash.currentHash === undefined ? null : { currentHash: hash.currentHash, previousHash: hash.previousHash ?? null };
}

/** The ids of a user's stored sessions (Redis: the user's session set), sorted. */
export async function storedSessionIds(app: TestApp, userId: string): Promise<string[]> {
  if (app.gateway.sessionStore === 'postgres') {
    return (await app.sql<{ id: string }>('select id from sessions where user_id = $1', [userId])).map((row) => row.id).sort();
  }
  return (await inspector(app).smembers(`${app.redisPrefix}user-sessions:${userId}`)).sort();
}
