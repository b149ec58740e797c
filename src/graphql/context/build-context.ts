import { AuthError } from '../../errors/auth-error.js';
import type { AccessTokens } from '../../services/access-tokens.js';
import type { ClientInfo, Sessions } from '../../services/sessions.js';
import type { UserProfiles } from '../../services/user-profiles.js';
import type { UserRepository } from '../../stores/user-repository.js';
import { readBearer } from './bearer.js';
import type { GatewayContext, Login } from './context.js';
import { LoginState } from './login-state.js';

export interface ContextDependencies {
  accessTokens: AccessTokens;
  sessions: Sessions;
  profiles: UserProfiles;
  /** A repository on a fresh EntityManager of its own. */
  users: () => UserRepository;
}

export interface RequestFacts {
  authorization: string | undefined;
  client: ClientInfo;
}

/**
 * Builds one request's context. Never throws: a throwing context function is an HTTP 500 in
 * Apollo, and a bad token must only mark the state, not fail the request.
 */
export function createContextBuilder(deps: ContextDependencies) {
  return async (request: RequestFacts): Promise<GatewayContext> =>
    new RequestContext(await decideLogin(deps, request.authorization), deps.profiles, request.client, deps.users);
}

/**
 * One request's context. Its repository (an EntityManager fork) is made on first use: most
 * requests (`me` from the profile cache, `loginState`) need none. The getter sits on the
 * prototype, so Apollo's per-operation copy of the context does not call it.
 */
class RequestContext implements GatewayContext {
  private repository: UserRepository | undefined;

  constructor(
    readonly login: Login,
    readonly profiles: UserProfiles,
    readonly client: ClientInfo,
    private readonly newRepository: () => UserRepository,
  ) {}

  get users(): UserRepository {
    return (this.repository ??= this.newRepository());
  }
}

async function decideLogin(deps: ContextDependencies, authorization: string | undefined): Promise<Login> {
  const bearer = readBearer(authorization);
  if (bearer.kind === 'absent') return { state: LoginState.AUTHORIZATION_NOT_FOUND, claims: null };
  if (bearer.kind === 'other-scheme') return { state: LoginState.TOKEN_TYPE_MISMATCH, claims: null };
  if (bearer.kind === 'malformed') return { state: LoginState.TOKEN_INVALID, claims: null };
  const check = deps.accessTokens.verify(bearer.token);
  if (check.status === 'invalid') return { state: LoginState.TOKEN_INVALID, claims: null };
  if (check.status === 'expired') return { state: LoginState.TOKEN_EXPIRED, claims: check.claims };
  try {
    const live = await deps.sessions.isLive({ userId: check.claims.userId, id: check.claims.sessionId });
    // A disabled (or deleted) user's tokens are refused here too, not only by ending their
    // sessions: disabling must hold even when ending the sessions failed.
    const user = live ? await deps.profiles.find(check.claims.userId) : null;
    const allowed = user !== null && !user.disabled;
    return { state: allowed ? LoginState.AUTHENTICATED : LoginState.SESSION_REVOKED, claims: check.claims };
  } catch (error) {
    // A store outage is SERVICE_UNAVAILABLE already; anything else stays itself, to be masked as internal.
    const failure = error instanceof Error ? error : new AuthError('SERVICE_UNAVAILABLE', { detail: String(error) });
    return { state: 'UNDECIDED', claims: check.claims, failure };
  }
}
