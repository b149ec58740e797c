import { Collection, type Opt } from '@mikro-orm/core';
import { Entity, OneToMany, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { announceDeletion, announceUserChange } from '../change-trigger.js';
import { OAuthIdentity } from './oauth-identity.js';

/** An account. Not a GraphQL type: the API maps it, so the password hash can never leak. */
@Entity({ tableName: 'users', triggers: [announceDeletion('u'), announceUserChange('id', ['update'])] })
export class User {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  /** Normalised (trimmed, lower-case); null for a social account whose provider gave none. */
  @Property({ type: 'text', nullable: true, unique: true })
  email!: string | null;

  @Property({ type: 'boolean', default: false })
  emailVerified!: boolean;

  /** An email change awaiting confirmation (requestEmailChange); null when none. */
  @Property({ type: 'text', nullable: true })
  pendingEmail: string | null = null;

  /** The link sent to the pending address was used. */
  @Property({ type: 'boolean', default: false })
  pendingEmailConfirmedNew: Opt<boolean> = false;

  /** The link sent to the current address was used, or none was needed (the current one was never verified). */
  @Property({ type: 'boolean', default: false })
  pendingEmailConfirmedCurrent: Opt<boolean> = false;

  /** bcrypt hash; null for an account that signs in only through a provider. */
  @Property({ type: 'text', nullable: true })
  passwordHash!: string | null;

  @Property({ type: 'text' })
  nickname!: string;

  @OneToMany(() => OAuthIdentity, (identity) => identity.user)
  identities = new Collection<OAuthIdentity>(this);

  /** A second factor (TOTP) is confirmed: sign-in asks for a code, and so do the changes that matter. */
  @Property({ type: 'boolean', default: false })
  mfaEnabled: Opt<boolean> = false;

  /** Set by an operator (`npm run admin -- disable-user`): no sign-in, no refresh. */
  @Property({ type: 'datetime', nullable: true })
  disabledAt!: Date | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}
