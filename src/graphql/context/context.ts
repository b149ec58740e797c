import { AuthError } from '../../errors/auth-error.js';
import type { AccessClaims } from '../../services/access-tokens.js';
import type { ClientInfo } from '../../services/sessions.js';
import type { UserProfiles } from '../../services/user-profiles.js';
import type { UserRepository } from '../../stores/user-repository.js';
import { LoginState } from './login-state.js';

/**
 * What the context builder decided about the caller. Signature-checked claims are kept for the
 * states that have them (refresh binding reads an expired token's user). `UNDECIDED` means the
 * stores could not be asked: operations that need the answer fail with that error.
 */
export type Login =
  | { state: LoginState.AUTHORIZATION_NOT_FOUND | LoginState.TOKEN_TYPE_MISMATCH | LoginState.TOKEN_INVALID; claims: null }
  | { state: LoginState.TOKEN_EXPIRED | LoginState.SESSION_REVOKED | LoginState.AUTHENTICATED; claims: AccessClaims }
  | { state: 'UNDECIDED'; claims: AccessClaims; failure: Error };

export interface GatewayContext {
  login: Login;
  /** Users through this request's own EntityManager. */
  readonly users: UserRepository;
  /** Users' profiles as the API shows them, kept across requests. */
  profiles: UserProfiles;
  client: ClientInfo;
}

/** The login state for `loginState`; only a store outage makes it an error. */
export function loginStateOf(ctx: GatewayContext): LoginState {
  if (ctx.login.state === 'UNDECIDED') throw ctx.login.failure;
  return ctx.login.state;
}

/** The caller's claims, or UNAUTHENTICATED carrying the login state so a client knows what to do. */
export function requireUser(ctx: GatewayContext): AccessClaims {
  const state = loginStateOf(ctx);
  if (state !== LoginState.AUTHENTICATED) throw new AuthError('UNAUTHENTICATED', { extras: { loginState: state } });
  return ctx.login.claims!;
}

/** The id of a caller with a live session, for privacy decisions (whose email to show); never throws. */
export function viewerOf(ctx: GatewayContext): string | null {
  return ctx.login.state === LoginState.AUTHENTICATED ? ctx.login.claims.userId : null;
}
