import type { ClientInfo } from '../../services/client-info.js';
import { type Login, type LoginCheck, LoginState } from '../../services/login.js';
import { readBearer } from './bearer.js';
import type { GatewayContext } from './context.js';

/** What the HTTP request tells the context builder. */
export interface RequestFacts {
  authorization: string | undefined;
  client: ClientInfo;
}

/**
 * Builds one request's context. Never throws: a throwing context function is an HTTP 500 in
 * Apollo, and a bad token must only mark the state, not fail the request.
 */
export function createContextBuilder(logins: LoginCheck) {
  return async (request: RequestFacts): Promise<GatewayContext> => ({ login: await loginOf(logins, request.authorization), client: request.client });
}

async function loginOf(logins: LoginCheck, authorization: string | undefined): Promise<Login> {
  const bearer = readBearer(authorization);
  if (bearer.kind === 'absent') return { state: LoginState.AUTHORIZATION_NOT_FOUND, claims: null };
  if (bearer.kind === 'other-scheme') return { state: LoginState.TOKEN_TYPE_MISMATCH, claims: null };
  if (bearer.kind === 'malformed') return { state: LoginState.TOKEN_INVALID, claims: null };
  return logins.ofAccessToken(bearer.token);
}
