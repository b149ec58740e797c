import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { OAuthProvider } from './enums.js';
import { MfaMethod } from './second-factor-types.js';

/** The API's view of a user; filled by toUserView, never by the entity itself. */
@Directive('@key(fields: "id")')
@ObjectType('User')
export class UserView {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'Only to the user themself; null for anyone else.' })
  email!: string | null;

  @Field()
  emailVerified!: boolean;

  @Field()
  nickname!: string;

  @Field(() => [OAuthProvider])
  providers!: OAuthProvider[];

  @Field()
  hasPassword!: boolean;

  @Field()
  createdAt!: Date;

  @Field({ description: 'A second factor (TOTP) is on. Only to the user themself; false for anyone else.' })
  mfaEnabled!: boolean;

  @Field(() => [MfaMethod], { description: 'What completeMfa accepts for this user (TOTP and RECOVERY_CODE once TOTP is on). Only to the user themself; empty for anyone else.' })
  mfaMethods!: MfaMethod[];

  @Field(() => String, { nullable: true, description: 'An email change awaiting confirmation, or a provider\'s email awaiting verification. Only to the user themself.' })
  pendingEmail!: string | null;
}
