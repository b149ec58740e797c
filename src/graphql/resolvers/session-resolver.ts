import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import { LoginState, loginStateOf, requireUser } from '../../services/login.js';
import type { Logout } from '../../services/logout.js';
import type { Sessions } from '../../services/sessions.js';
import type { TokenRefresh } from '../../services/token-refresh.js';
import type { GatewayContext } from '../context/context.js';
import { AuthPayload } from '../types/auth-payload.js';
import { toAuthPayload, toSessionView } from '../types/mappers.js';
import { SessionView } from '../types/session-view.js';

@Resolver()
export class SessionResolver {
  constructor(
    private readonly sessions: Sessions,
    private readonly tokenRefresh: TokenRefresh,
    private readonly logouts: Logout,
  ) {}

  @Query(() => LoginState, { description: 'What the gateway decided about this request\'s Authorization header. Never an error.' })
  loginState(@Ctx() ctx: GatewayContext): LoginState {
    return loginStateOf(ctx.login);
  }

  @Mutation(() => AuthPayload, { description: 'Trades a refresh token for a new token pair; the old refresh token stops working.' })
  async refresh(@Arg('refreshToken') refreshToken: string, @Ctx() ctx: GatewayContext): Promise<AuthPayload> {
    const { user, tokens } = await this.tokenRefresh.refresh(refreshToken, ctx.login.claims?.userId ?? null, ctx.client);
    return toAuthPayload(user, tokens, false);
  }

  @Mutation(() => Boolean, {
    description: 'Ends the session of the access token (every session with allDevices), or of the refresh token when the access token is no longer valid. False when it was already gone.',
  })
  logout(
    // type-graphql lists arguments in reverse order of the parameters: this yields the contract's
    // `logout(refreshToken: String, allDevices: Boolean = false)`.
    @Arg('allDevices', () => Boolean, { nullable: true, defaultValue: false }) allDevices: boolean,
    @Arg('refreshToken', () => String, { nullable: true }) refreshToken: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<boolean> {
    return this.logouts.logout(ctx.login, { refreshToken: refreshToken ?? null, allDevices }, ctx.client);
  }

  @Directive('@authenticated')
  @Query(() => [SessionView], { name: 'sessions', description: "The caller's live sessions, most recently used first." })
  async listSessions(@Ctx() ctx: GatewayContext): Promise<SessionView[]> {
    const { userId, sessionId } = requireUser(ctx.login);
    return (await this.sessions.list(userId)).map((session) => toSessionView(session, sessionId));
  }

  @Directive('@authenticated')
  @Mutation(() => Boolean, {
    description: "Ends one of the caller's sessions. False when there is no such session of theirs (another user's id included).",
  })
  revokeSession(@Arg('id', () => ID) id: string, @Ctx() ctx: GatewayContext): Promise<boolean> {
    return this.logouts.revokeSession(ctx.login, id, ctx.client);
  }
}
