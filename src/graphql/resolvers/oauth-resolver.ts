import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { OAuthLogin } from '../../services/oauth-login.js';
import type { GatewayContext } from '../context/context.js';
import { AuthPayload } from '../types/auth-payload.js';
import { OAuthProvider } from '../types/enums.js';
import { signedInPayload } from '../types/mappers.js';
import { OAuthAuthorization } from '../types/oauth-authorization.js';

// type-graphql lists arguments in reverse order of the parameters: each signature below is
// written backwards so the SDL reads in the contract's order.
@Resolver()
export class OAuthResolver {
  constructor(private readonly oauth: OAuthLogin) {}

  @Query(() => OAuthAuthorization, {
    description:
      'Starts a social sign-in: the URL to send the browser to, and its state. codeChallenge: the S256 challenge of a client holding its own PKCE verifier (required for a redirect URI that is not https); oauthLogin must then carry the codeVerifier.',
  })
  async oauthAuthorizationUrl(
    @Arg('codeChallenge', () => String, { nullable: true }) codeChallenge: string | null,
    @Arg('redirectUri') redirectUri: string,
    @Arg('provider', () => OAuthProvider) provider: OAuthProvider,
    @Ctx() ctx: GatewayContext,
  ): Promise<OAuthAuthorization> {
    return Object.assign(new OAuthAuthorization(), await this.oauth.authorizationUrl(provider, redirectUri, codeChallenge ?? null, ctx.client));
  }

  @Mutation(() => AuthPayload, {
    description: "Signs in with a provider's authorization code: finds the user of that provider account, links by verified email, or creates one.",
  })
  async oauthLogin(
    @Arg('codeVerifier', () => String, { nullable: true }) codeVerifier: string | null,
    @Arg('state', () => String, { nullable: true }) state: string | null,
    @Arg('redirectUri', () => String, { nullable: true }) redirectUri: string | null,
    @Arg('code') code: string,
    @Arg('provider', () => OAuthProvider) provider: OAuthProvider,
    @Ctx() ctx: GatewayContext,
  ): Promise<AuthPayload> {
    const input = { provider, code, redirectUri: redirectUri ?? null, state: state ?? null, codeVerifier: codeVerifier ?? null };
    return signedInPayload(await this.oauth.login(input, ctx.client));
  }
}
