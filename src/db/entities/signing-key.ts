import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { announceKeyChange } from '../change-trigger.js';

/**
 * An access-token signing key, shared by every instance and restart. Keys the gateway generated
 * keep their private part here, sealed under the key-encryption key, until they stop signing; a
 * key the operator configures (JWT_PRIVATE_KEY) is recorded by its public part only, so tokens it
 * signed keep verifying after the operator changes it.
 */
@Entity({ tableName: 'signing_keys', triggers: [announceKeyChange()] })
export class SigningKey {
  /** RFC 7638 thumbprint of the public key; the JWT header's `kid`. */
  @PrimaryKey({ type: 'text' })
  kid!: string;

  @Property({ type: 'text' })
  algorithm!: string;

  /** PKCS#8 PEM sealed with AES-256-GCM (infra/key-sealer.ts); null for an operator-configured key and once retired. */
  @Property({ type: 'text', nullable: true })
  sealedPrivateKey!: string | null;

  /** SPKI PEM; null on keys recorded before it was kept (derived from the private key then). */
  @Property({ type: 'text', nullable: true })
  publicKeyPem!: string | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  /** When it starts signing (published in JWKS before, so routers know it in time); null: at creation. */
  @Property({ type: 'datetime', nullable: true })
  activeFrom!: Date | null;

  /** When a newer key replaces it; its tokens keep verifying until they expire. */
  @Property({ type: 'datetime', nullable: true })
  retiredAt!: Date | null;
}
