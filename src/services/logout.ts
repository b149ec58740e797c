import type { AuthEventFacts, AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import { type Login, LoginState, loginStateOf, requireUser } from './login.js';
import type { RateLimits } from './rate-limits.js';
import type { Sessions } from './sessions.js';

/** Ending sessions on the caller's request: `logout` and `revokeSession`, each recorded when something ended. */
export class Logout {
  constructor(
    private readonly sessions: Sessions,
    private readonly limits: RateLimits,
    private readonly events: AuthEvents,
  ) {}

  /**
   * Ends the session of the caller's access token (every session with `allDevices`), or, when the
   * access token no longer works, the session of `refreshToken`. False when it was already gone.
   */
  async logout(login: Login, request: { refreshToken: string | null; allDevices: boolean }, client: ClientInfo): Promise<boolean> {
    const state = loginStateOf(login);
    if (state !== LoginState.AUTHENTICATED) {
      if (request.refreshToken) {
        // A refresh token is a credential: each try spends the address's logout budget.
        await this.limits.logout(client);
        const ended = await this.sessions.endByRefreshToken(request.refreshToken);
        return this.recorded('logout', ended !== null, { userId: ended?.userId, sessionId: ended?.id, client });
      }
      // The access token is genuine but its session is already gone.
      if (state === LoginState.SESSION_REVOKED) return false;
    }
    const { userId, sessionId } = requireUser(login);
    const ended = request.allDevices ? (await this.sessions.endAll(userId)) > 0 : await this.sessions.end({ userId, id: sessionId });
    return this.recorded('logout', ended, { userId, sessionId, client, detail: { allDevices: request.allDevices } });
  }

  /** Ends one of the caller's sessions; false when there is no such session of theirs. */
  async revokeSession(login: Login, id: string, client: ClientInfo): Promise<boolean> {
    const { userId, sessionId } = requireUser(login);
    // UUIDs are case-insensitive on input; ours are stored in lower case.
    const revoked = id.toLowerCase();
    return this.recorded('session_revoked', await this.sessions.end({ userId, id: revoked }), { userId, sessionId: revoked, client, detail: { by: sessionId } });
  }

  /** Records the event when something ended; passes `ended` on. */
  private recorded(type: 'logout' | 'session_revoked', ended: boolean, facts: AuthEventFacts): boolean {
    if (ended) this.events.record(type, facts);
    return ended;
  }
}
