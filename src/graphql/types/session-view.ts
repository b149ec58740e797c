import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('Session', { description: 'One signed-in device of the caller.' })
export class SessionView {
  @Field(() => ID)
  id!: string;

  @Field()
  createdAt!: Date;

  @Field()
  lastUsedAt!: Date;

  @Field({ description: 'When the session ends unless it is used (refreshed) again.' })
  expiresAt!: Date;

  @Field(() => String, { nullable: true })
  userAgent!: string | null;

  @Field(() => String, { nullable: true })
  ip!: string | null;

  @Field({ description: 'True for the session of the access token that asked.' })
  current!: boolean;
}
