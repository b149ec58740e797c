import { AuthError } from '../errors/auth-error.js';
import type { StoredUser, UserRepository } from '../stores/user-repository.js';
import type { AccessClaims, AccessTokens } from './access-tokens.js';
import type { Sessions } from './sessions.js';
import type { UserProfiles } from './user-profiles.js';

/** The contract's LoginState, in its order of precedence. */
export enum LoginState {
  AUTHORIZATION_NOT_FOUND = 'AUTHORIZATION_NOT_FOUND',
  TOKEN_TYPE_MISMATCH = 'TOKEN_TYPE_MISMATCH',
  TOKEN_INVALID = 'TOKEN_INVALID',
  TOKEN_EXPIRED = 'TOKEN_EXPIRED',
  SESSION_REVOKED = 'SESSION_REVOKED',
  AUTHENTICATED = 'AUTHENTICATED',
}

/**
 * What was decided about the caller. Signature-checked claims are kept for the states that have
 * them (refresh binding reads an expired token's user). `UNDECIDED` means the stores could not be
 * asked: operations that need the answer fail with that error.
 */
export type Login =
  | { state: LoginState.AUTHORIZATION_NOT_FOUND | LoginState.TOKEN_TYPE_MISMATCH | LoginState.TOKEN_INVALID; claims: null }
  | { state: LoginState.TOKEN_EXPIRED | LoginState.SESSION_REVOKED | LoginState.AUTHENTICATED; claims: AccessClaims }
  | { state: 'UNDECIDED'; claims: AccessClaims; failure: Error };

/** The login state for `loginState`; only a store outage makes it an error. */
export function loginStateOf(login: Login): LoginState {
  if (login.state === 'UNDECIDED') throw login.failure;
  return login.state;
}

/** The caller's claims, or UNAUTHENTICATED carrying the login state so a client knows what to do. */
export function requireUser(login: Login): AccessClaims {
  const state = loginStateOf(login);
  if (state !== LoginState.AUTHENTICATED) throw new AuthError('UNAUTHENTICATED', { extras: { loginState: state } });
  return login.claims!;
}

/**
 * The signed-in caller and their account as stored now (a change reads it fresh, not a cached
 * profile); UNAUTHENTICATED with SESSION_REVOKED when the account went meanwhile.
 */
export async function signedInAccount(login: Login, users: UserRepository): Promise<{ claims: AccessClaims; user: StoredUser }> {
  const claims = requireUser(login);
  const user = await users.findById(claims.userId);
  if (!user) throw new AuthError('UNAUTHENTICATED', { extras: { loginState: LoginState.SESSION_REVOKED } });
  return { claims, user };
}

/** The id of a caller with a live session, for privacy decisions (whose email to show); never throws. */
export function viewerOf(login: Login): string | null {
  return login.state === LoginState.AUTHENTICATED ? login.claims.userId : null;
}

/** Decides the login state of a bearer access token. */
export class LoginCheck {
  constructor(
    private readonly accessTokens: AccessTokens,
    private readonly sessions: Sessions,
    private readonly profiles: UserProfiles,
  ) {}

  /** Never throws: a store that cannot answer makes the login UNDECIDED. */
  async ofAccessToken(token: string): Promise<Login> {
    const check = this.accessTokens.verify(token);
    if (check.status === 'invalid') return { state: LoginState.TOKEN_INVALID, claims: null };
    if (check.status === 'expired') return { state: LoginState.TOKEN_EXPIRED, claims: check.claims };
    try {
      const live = await this.sessions.isLive({ userId: check.claims.userId, id: check.claims.sessionId });
      // A disabled (or deleted) user's tokens are refused here too, not only by ending their
      // sessions: disabling must hold even when ending the sessions failed.
      const user = live ? await this.profiles.find(check.claims.userId) : null;
      const allowed = user !== null && !user.disabled;
      return { state: allowed ? LoginState.AUTHENTICATED : LoginState.SESSION_REVOKED, claims: check.claims };
    } catch (error) {
      // A store outage is SERVICE_UNAVAILABLE already; anything else stays itself, to be masked as internal.
      const failure = error instanceof Error ? error : new AuthError('SERVICE_UNAVAILABLE', { detail: String(error) });
      return { state: 'UNDECIDED', claims: check.claims, failure };
    }
  }
}
