import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: "Where to send the user's browser to sign in with a provider." })
export class OAuthAuthorization {
  @Field({ description: "The provider's authorize URL, with our client id, redirect URI, state and (where supported) PKCE challenge." })
  url!: string;

  @Field({ description: 'Single-use, valid for 10 minutes: pass it back to oauthLogin with the code.' })
  state!: string;
}
