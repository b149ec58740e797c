import { Field, Int, ObjectType } from 'type-graphql';
import { UserView } from './user-view.js';

@ObjectType()
export class AuthPayload {
  @Field()
  accessToken!: string;

  @Field()
  refreshToken!: string;

  @Field({ description: 'Always "Bearer".' })
  tokenType!: string;

  @Field(() => Int, { description: 'Access token lifetime in seconds.' })
  expiresIn!: number;

  @Field(() => Int, { description: 'Seconds until this refresh token expires.' })
  refreshExpiresIn!: number;

  @Field(() => UserView)
  user!: UserView;

  @Field()
  isNewUser!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "From signIn: this device's token for the account. Send it back as SignInInput.deviceToken, so failed sign-ins by others never lock this device out.",
  })
  deviceToken!: string | null;
}
