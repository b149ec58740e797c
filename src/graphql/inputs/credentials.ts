import { Field, InputType } from 'type-graphql';

// Shapes only: the rules (email format, password size, nickname) live in the credential policy,
// checked by the services so every entry point obeys them.

@InputType()
export class SignUpInput {
  @Field()
  email!: string;

  @Field()
  password!: string;

  @Field()
  nickname!: string;
}

@InputType()
export class SignInInput {
  @Field()
  email!: string;

  @Field()
  password!: string;

  @Field(() => String, { nullable: true, description: 'The deviceToken an earlier signIn of this account gave this device.' })
  deviceToken?: string | null;
}
