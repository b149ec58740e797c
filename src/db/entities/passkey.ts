import { BigIntType } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { User } from './user.js';

/** A WebAuthn credential (passkey) registered by a user. */
@Entity({ tableName: 'passkeys' })
export class Passkey {
  /** The credential id, base64url, as the authenticator made it. */
  @PrimaryKey({ type: 'text' })
  id!: string;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  /** The COSE public key, base64url. */
  @Property({ type: 'text' })
  publicKey!: string;

  /** The signature counter last seen (0 for authenticators that keep none). */
  @Property({ type: new BigIntType('number') })
  counter!: number;

  /** Transports the browser reported (usb, internal, hybrid…), comma-separated. */
  @Property({ type: 'text' })
  transports!: string;

  /** singleDevice (bound to one authenticator) or multiDevice (synced). */
  @Property({ type: 'text' })
  deviceType!: string;

  @Property({ type: 'boolean' })
  backedUp!: boolean;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  lastUsedAt!: Date | null;
}
