import { Arg, Ctx, Directive, Mutation, Resolver } from 'type-graphql';
import type { AccountDeletion } from '../../services/account-deletion.js';
import type { EmailChange } from '../../services/email-change.js';
import type { EmailVerification } from '../../services/email-verification.js';
import type { PasswordChange } from '../../services/password-change.js';
import type { PasswordReset } from '../../services/password-reset.js';
import type { GatewayContext } from '../context/context.js';
import { AuthPayload } from '../types/auth-payload.js';
import { signedInPayload } from '../types/mappers.js';

// type-graphql lists arguments in reverse order of the parameters: each method names them
// backwards to print the contract's order.

/** An account's life by email: verification, forgotten and changed passwords, email change, deletion. */
@Resolver()
export class EmailAccountResolver {
  constructor(
    private readonly verification: EmailVerification,
    private readonly reset: PasswordReset,
    private readonly passwordChange: PasswordChange,
    private readonly emailChange: EmailChange,
    private readonly deletion: AccountDeletion,
  ) {}

  @Directive('@authenticated')
  @Mutation(() => Boolean, { description: "Mails a link that verifies the account's email (or, without one, the email a provider reported)." })
  requestEmailVerification(@Ctx() ctx: GatewayContext): Promise<boolean> {
    return this.verification.request(ctx.login, ctx.client);
  }

  @Mutation(() => Boolean, { description: 'Uses a verification link: the email it was sent to is verified.' })
  verifyEmail(@Arg('token') token: string, @Ctx() ctx: GatewayContext): Promise<boolean> {
    return this.verification.verify(token, ctx.login, ctx.client);
  }

  @Mutation(() => Boolean, { description: 'Mails a reset link if an account has this email. Always true.' })
  requestPasswordReset(@Arg('email') email: string, @Ctx() ctx: GatewayContext): Promise<boolean> {
    return this.reset.request(email, ctx.client);
  }

  @Mutation(() => Boolean, { description: 'Uses a reset link: sets the password and ends every session. Sign in afterwards.' })
  resetPassword(@Arg('newPassword') newPassword: string, @Arg('token') token: string, @Ctx() ctx: GatewayContext): Promise<boolean> {
    return this.reset.reset(token, newPassword, ctx.client);
  }

  @Directive('@authenticated')
  @Mutation(() => AuthPayload, { description: 'Changes the password (currentPassword needed when there is one, a code when MFA is on); ends every other session and answers a fresh pair.' })
  async changePassword(
    @Arg('code', () => String, { nullable: true, description: 'A TOTP or recovery code; needed when MFA is on.' }) code: string | null,
    @Arg('newPassword') newPassword: string,
    @Arg('currentPassword', () => String, { nullable: true }) currentPassword: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<AuthPayload> {
    return signedInPayload(await this.passwordChange.change(ctx.login, { currentPassword: currentPassword ?? null, code: code ?? null }, newPassword, ctx.client));
  }

  @Directive('@authenticated')
  @Mutation(() => Boolean, { description: 'Starts moving the account to newEmail (password needed when there is one, a code when MFA is on): links go to the new and, if verified, the current address.' })
  requestEmailChange(
    @Arg('code', () => String, { nullable: true, description: 'A TOTP or recovery code; needed when MFA is on.' }) code: string | null,
    @Arg('password', () => String, { nullable: true }) password: string | null,
    @Arg('newEmail') newEmail: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<boolean> {
    return this.emailChange.request(ctx.login, newEmail, { password: password ?? null, code: code ?? null }, ctx.client);
  }

  @Mutation(() => Boolean, { description: 'Uses an email-change link; the change applies once every link it needs was used.' })
  confirmEmailChange(@Arg('token') token: string, @Ctx() ctx: GatewayContext): Promise<boolean> {
    return this.emailChange.confirm(token, ctx.login, ctx.client);
  }

  @Directive('@authenticated')
  @Mutation(() => Boolean, { description: 'Deletes the account and its personal data (password needed when there is one, a code when MFA is on); the email is free again.' })
  deleteAccount(
    @Arg('code', () => String, { nullable: true, description: 'A TOTP or recovery code; needed when MFA is on.' }) code: string | null,
    @Arg('password', () => String, { nullable: true }) password: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<boolean> {
    return this.deletion.delete(ctx.login, { password: password ?? null, code: code ?? null }, ctx.client);
  }
}
