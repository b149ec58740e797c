import { Arg, Ctx, Directive, Mutation, Query, Resolver } from 'type-graphql';
import { requireUser } from '../../services/login.js';
import type { PasswordAuth } from '../../services/password-auth.js';
import type { UserProfiles } from '../../services/user-profiles.js';
import type { GatewayContext } from '../context/context.js';
import { SignInInput, SignUpInput } from '../inputs/credentials.js';
import { AuthPayload } from '../types/auth-payload.js';
import { signedInPayload, toUserView } from '../types/mappers.js';
import { UserView } from '../types/user-view.js';

@Resolver()
export class AccountResolver {
  constructor(
    private readonly passwordAuth: PasswordAuth,
    private readonly profiles: UserProfiles,
  ) {}

  @Mutation(() => AuthPayload, { description: 'Creates a password account and signs it in.' })
  async signUp(@Arg('input', () => SignUpInput) input: SignUpInput, @Ctx() ctx: GatewayContext): Promise<AuthPayload> {
    return signedInPayload(await this.passwordAuth.signUp(input, ctx.client));
  }

  @Mutation(() => AuthPayload, { description: 'Signs in with email and password.' })
  async signIn(@Arg('input', () => SignInInput) input: SignInInput, @Ctx() ctx: GatewayContext): Promise<AuthPayload> {
    return signedInPayload(await this.passwordAuth.signIn(input, ctx.client));
  }

  @Directive('@authenticated')
  @Query(() => UserView, { nullable: true, description: 'The signed-in user; UNAUTHENTICATED (with loginState) otherwise.' })
  async me(@Ctx() ctx: GatewayContext): Promise<UserView | null> {
    const { userId } = requireUser(ctx.login);
    const user = await this.profiles.find(userId);
    return user && toUserView(user, userId);
  }
}
