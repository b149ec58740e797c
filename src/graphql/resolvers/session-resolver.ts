import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { AuthEventFacts, AuthEvents } from '../../services/auth-events.js';
import type { RateLimits } from '../../services/rate-limits.js';
import type { Sessions } from '../../services/sessions.js';
import type { TokenRefresh } from '../../services/token-refresh.js';
import type { GatewayContext } from '../context/context.js';
import { loginStateOf, requireUser } from '../context/context.js';
import { LoginState } from '../types/enums.js';
import { AuthPayload } from '../types/auth-payload.js';
import { toAuthPayload, toSessionView } from '../types/mappers.js';
import { SessionView } from '../types/session-view.js';

@Resolver()
export class SessionResolver {
  constructor(
    private readonly sessions: Sessions,
    private readonly tokenRefresh: TokenRefresh,
    private readonly limits: RateLimits,
    private readonly events: AuthEvents,
  ) {}

  @Query(() => LoginState, { description: 'What the gateway decided about this request\'s Authorization header. Never an error.' })
  loginState(@Ctx() ctx: GatewayContext): LoginState {
    return loginStateOf(ctx);
  }

  @Mutation(() => AuthPayload, { description: 'Trades a refresh token for a new token pair; the old refresh token stops working.' })
  async refresh(@Arg('refreshToken') refreshToken: string, @Ctx() ctx: GatewayContext): Promise<AuthPayload> {
    const { user, tokens } = await this.tokenRefresh.refresh(refreshToken, ctx.login.claims?.userId ?? null, ctx.client);
    return toAuthPayload(user, tokens, false);
  }

  @Mutation(() => Boolean, {
    description: 'Ends the session of the access token (every session with allDevices), or of the refresh token when the access token is no longer valid. False when it was already gone.',
  })
  async logout(
    // type-graphql lists arguments in reverse order of the parameters: this yields the contract's
    // `logout(refreshToken: String, allDevices: Boolean = false)`.
    @Arg('allDevices', () => Boolean, { nullable: true, defaultValue: false }) allDevices: boolean,
    @Arg('refreshToken', () => String, { nullable: true }) refreshToken: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<boolean> {
    const state = loginStateOf(ctx);
    if (state !== LoginState.AUTHENTICATED) {
      if (refreshToken) {
        // A refresh token is a credential: each try spends the address's logout budget.
        await this.limits.logout(ctx.client);
        const ref = this.sessions.refOf(refreshToken);
        return this.recorded('logout', await this.sessions.endByRefreshToken(refreshToken), ctx, { userId: ref?.userId, sessionId: ref?.id });
      }
      // The access token is genuine but its session is already gone.
      if (state === LoginState.SESSION_REVOKED) return false;
    }
    const { userId, sessionId } = requireUser(ctx);
    const ended = allDevices ? (await this.sessions.endAll(userId)) > 0 : await this.sessions.end({ userId, id: sessionId });
    return this.recorded('logout', ended, ctx, { userId, sessionId, detail: { allDevices } });
  }

  @Directive('@authenticated')
  @Query(() => [SessionView], { name: 'sessions', description: "The caller's live sessions, most recently used first." })
  async listSessions(@Ctx() ctx: GatewayContext): Promise<SessionView[]> {
    const { userId, sessionId } = requireUser(ctx);
    return (await this.sessions.list(userId)).map((session) => toSessionView(session, sessionId));
  }

  @Directive('@authenticated')
  @Mutation(() => Boolean, {
    description: "Ends one of the caller's sessions. False when there is no such session of theirs (another user's id included).",
  })
  async revokeSession(@Arg('id', () => ID) id: string, @Ctx() ctx: GatewayContext): Promise<boolean> {
    const { userId, sessionId } = requireUser(ctx);
    // UUIDs are case-insensitive on input; ours are stored in lower case.
    const revoked = id.toLowerCase();
    return this.recorded('session_revoked', await this.sessions.end({ userId, id: revoked }), ctx, { userId, sessionId: revoked, detail: { by: sessionId } });
  }

  /** Records the event when something ended; passes `ended` on. */
  private recorded(type: 'logout' | 'session_revoked', ended: boolean, ctx: GatewayContext, facts: Omit<AuthEventFacts, 'client'>): boolean {
    if (ended) this.events.record(type, { ...facts, client: ctx.client });
    return ended;
  }
}
