import { GraphQLScalarType } from 'graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { MFA_METHODS } from '../../services/factor-codes.js';

/** WebAuthn options and responses travel as the JSON objects @simplewebauthn/browser consumes and produces. */
export const JSONObjectScalar = new GraphQLScalarType({ ...GraphQLJSONObject.toConfig(), specifiedByURL: undefined });

/** What completeMfa accepts (listed in MFA_REQUIRED's extensions.mfaChallenge.methods): the services' one list. */
export const MfaMethod = Object.fromEntries(MFA_METHODS.map((name) => [name, name])) as { readonly [M in (typeof MFA_METHODS)[number]]: M };
export type MfaMethod = (typeof MFA_METHODS)[number];

registerEnumType(MfaMethod, { name: 'MfaMethod', description: 'A way to answer a second-step challenge.' });

@ObjectType('TotpEnrollment')
export class TotpEnrollmentView {
  @Field({ description: 'The secret, base32, for typing into an authenticator app.' })
  secret!: string;

  @Field({ description: 'otpauth://totp/… for a QR code.' })
  otpauthUri!: string;
}

@ObjectType('Passkey', { description: 'A passkey of the signed-in user.' })
export class PasskeyView {
  @Field(() => ID, { description: 'The credential id (base64url).' })
  id!: string;

  @Field()
  name!: string;

  @Field({ description: 'True for a synced passkey (multi-device); false for one bound to a single authenticator.' })
  synced!: boolean;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;
}
