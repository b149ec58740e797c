import { totpCode } from '../../src/services/totp.js';
import { AUTH_FIELDS, type AuthPayload, type GraphQLClient, PASSWORD } from './accounts.js';
import { bearer, type GraphQLResponse } from './graphql-client.js';
import type { TestApp } from './test-app.js';

export const START_TOTP = 'mutation($password: String) { startTotpEnrollment(password: $password) { secret otpauthUri } }';
export const CONFIRM_TOTP = 'mutation($code: String!) { confirmTotpEnrollment(code: $code) }';
export const DISABLE_TOTP = 'mutation($code: String!) { disableTotp(code: $code) }';
export const COMPLETE_MFA = `mutation($id: ID!, $code: String!) { completeMfa(challengeId: $id, code: $code) { ${AUTH_FIELDS} } }`;
export const MFA_ME = '{ me { mfaEnabled mfaMethods } }';

/** One TOTP step: after it, the app shows a code not used before. */
export const STEP_MS = 30_000;

export interface MfaChallenge {
  id: string;
  expiresIn: number;
  methods: string[];
}

/** The code an authenticator app holding `secret` shows at the app's (test) time, `offsetMs` away. */
export function codeAt(app: TestApp, secret: string, offsetMs = 0): string {
  return totpCode(secret, app.clock.now() + offsetMs);
}

/**
 * Turns TOTP on for the signed-in user of `accessToken`: enrols, confirms with the current code,
 * and moves the clock a step on, so the next code is one not used yet.
 */
export async function enrolTotp(app: TestApp, accessToken: string, password: string | null = PASSWORD): Promise<{ secret: string; recoveryCodes: string[] }> {
  const started = await app.gql<{ startTotpEnrollment: { secret: string } }>(START_TOTP, { password }, bearer(accessToken));
  if (!started.data) throw new Error(`startTotpEnrollment failed: ${started.text}`);
  const { secret } = started.data.startTotpEnrollment;
  const confirmed = await app.gql<{ confirmTotpEnrollment: string[] }>(CONFIRM_TOTP, { code: codeAt(app, secret) }, bearer(accessToken));
  if (!confirmed.data) throw new Error(`confirmTotpEnrollment failed: ${confirmed.text}`);
  app.clock.advance(STEP_MS);
  return { secret, recoveryCodes: confirmed.data.confirmTotpEnrollment };
}

/** extensions.mfaChallenge of a response whose only error is MFA_REQUIRED; throws otherwise. */
export function challengeOf(response: GraphQLResponse<unknown>): MfaChallenge {
  const error = response.errors?.length === 1 ? response.errors[0] : undefined;
  if (error?.extensions?.code !== 'MFA_REQUIRED') throw new Error(`expected MFA_REQUIRED, got ${response.text}`);
  return error.extensions.mfaChallenge as MfaChallenge;
}

export function completeMfa(app: GraphQLClient, id: string, code: string): Promise<GraphQLResponse<{ completeMfa: AuthPayload }>> {
  return app.gql<{ completeMfa: AuthPayload }>(COMPLETE_MFA, { id, code });
}
