import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { PasskeyInfo, Passkeys } from '../../services/passkeys.js';
import type { SecondFactor } from '../../services/second-factor.js';
import type { SecondStep } from '../../services/second-step.js';
import type { GatewayContext } from '../context/context.js';
import { AuthPayload } from '../types/auth-payload.js';
import { signedInPayload } from '../types/mappers.js';
import { JSONObjectScalar, PasskeyView, TotpEnrollmentView } from '../types/second-factor-types.js';

// type-graphql lists arguments in reverse order of the parameters: each method names them
// backwards to print them in reading order.

/** A second factor: TOTP with recovery codes, the second sign-in step, and passkeys. */
@Resolver()
export class SecondFactorResolver {
  constructor(
    private readonly factor: SecondFactor,
    private readonly secondStep: SecondStep,
    private readonly passkeyService: Passkeys,
  ) {}

  @Directive('@authenticated')
  @Mutation(() => TotpEnrollmentView, { description: 'Starts adding an authenticator app (password needed when there is one); pending until confirmTotpEnrollment, for 10 minutes.' })
  async startTotpEnrollment(@Arg('password', () => String, { nullable: true }) password: string | null, @Ctx() ctx: GatewayContext): Promise<TotpEnrollmentView> {
    return Object.assign(new TotpEnrollmentView(), await this.factor.startEnrollment(ctx.login, password ?? null, ctx.client));
  }

  @Directive('@authenticated')
  @Mutation(() => [String], { description: 'Confirms the app with a code: MFA is on, every other session ends. Answers 10 single-use recovery codes, shown once.' })
  confirmTotpEnrollment(@Arg('code') code: string, @Ctx() ctx: GatewayContext): Promise<string[]> {
    return this.factor.confirmEnrollment(ctx.login, code, ctx.client);
  }

  @Directive('@authenticated')
  @Mutation(() => Boolean, { description: 'Turns TOTP off with a current code or a recovery code; false when it was not on.' })
  disableTotp(@Arg('code') code: string, @Ctx() ctx: GatewayContext): Promise<boolean> {
    return this.factor.disable(ctx.login, code, ctx.client);
  }

  @Mutation(() => AuthPayload, { description: 'Answers the challenge of MFA_REQUIRED with a TOTP or recovery code: the session, with mfa in its scope.' })
  async completeMfa(@Arg('code') code: string, @Arg('challengeId', () => ID) challengeId: string, @Ctx() ctx: GatewayContext): Promise<AuthPayload> {
    return signedInPayload(await this.secondStep.complete(challengeId, code, ctx.client));
  }

  @Directive('@authenticated')
  @Mutation(() => JSONObjectScalar, { description: 'Options for navigator.credentials.create (startRegistration of @simplewebauthn/browser); password needed when there is one, a code when MFA is on.' })
  startPasskeyRegistration(
    @Arg('code', () => String, { nullable: true }) code: string | null,
    @Arg('password', () => String, { nullable: true }) password: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<unknown> {
    return this.passkeyService.startRegistration(ctx.login, { password: password ?? null, code: code ?? null }, ctx.client);
  }

  @Directive('@authenticated')
  @Mutation(() => PasskeyView, { description: "Verifies startRegistration's result and keeps the passkey." })
  async finishPasskeyRegistration(
    @Arg('name', () => String, { nullable: true }) name: string | null,
    @Arg('response', () => JSONObjectScalar) response: unknown,
    @Ctx() ctx: GatewayContext,
  ): Promise<PasskeyView> {
    return toPasskeyView(await this.passkeyService.finishRegistration(ctx.login, response, name ?? null, ctx.client));
  }

  @Directive('@authenticated')
  @Query(() => [PasskeyView], { description: "The signed-in user's passkeys." })
  async passkeys(@Ctx() ctx: GatewayContext): Promise<PasskeyView[]> {
    return (await this.passkeyService.list(ctx.login)).map(toPasskeyView);
  }

  @Directive('@authenticated')
  @Mutation(() => Boolean, { description: "Removes one of the caller's passkeys; false when it is not theirs or gone." })
  removePasskey(@Arg('id', () => ID) id: string, @Ctx() ctx: GatewayContext): Promise<boolean> {
    return this.passkeyService.remove(ctx.login, id, ctx.client);
  }

  @Mutation(() => JSONObjectScalar, { description: 'Options for navigator.credentials.get (startAuthentication of @simplewebauthn/browser): any passkey of this site, no email typed.' })
  startPasskeySignIn(@Ctx() ctx: GatewayContext): Promise<unknown> {
    return this.passkeyService.startSignIn(ctx.client);
  }

  @Mutation(() => AuthPayload, { description: "Verifies startAuthentication's result: a session with amr hwk or swk, and mfa." })
  async finishPasskeySignIn(@Arg('response', () => JSONObjectScalar) response: unknown, @Ctx() ctx: GatewayContext): Promise<AuthPayload> {
    return signedInPayload(await this.passkeyService.finishSignIn(response, ctx.client));
  }
}

function toPasskeyView(passkey: PasskeyInfo): PasskeyView {
  return Object.assign(new PasskeyView(), {
    id: passkey.id,
    name: passkey.name,
    synced: passkey.deviceType === 'multiDevice',
    createdAt: passkey.createdAt,
    lastUsedAt: passkey.lastUsedAt,
  });
}
