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

export async function refresh(app: TestApp, refreshToken: string, headers?: Record<string, string>) {
  return app.gql<{ refresh: AuthPayload }>(`mutation($t: String!) { refresh(refreshToken: $t) { ${AUTH_FIELDS} } }`, { t: refreshToken }, headers);
}

export async function loginState(app: TestApp, accessToken: string): Promise<string | undefined> {
  const response = await app.gql<{ loginState: string }>('{ loginState }', undefined, { authorization: `Bearer ${accessToken}` });
  return response.data?.loginState;
}
