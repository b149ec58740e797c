import { Entity, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { User } from './user.js';

/**
 * A user's TOTP authenticator (RFC 6238). The secret is sealed under the key-encryption key. Until
 * confirmed it is pending and expires; once confirmed the user's `mfaEnabled` is set.
 */
@Entity({ tableName: 'totp_factors' })
export class TotpFactor {
  @ManyToOne(() => User, { primary: true, deleteRule: 'cascade' })
  user!: User;

  /** The base32 secret, sealed (infra/key-sealer.ts) with the user's id as context. */
  @Property({ type: 'text' })
  secret!: string;

  /** When a code confirmed it; null while pending. */
  @Property({ type: 'datetime', nullable: true })
  confirmedAt!: Date | null;

  /** When a pending enrolment lapses; null once confirmed. */
  @Property({ type: 'datetime', nullable: true })
  pendingUntil!: Date | null;

  /** The last time step a code was accepted for: no step is accepted twice. */
  @Property({ type: 'integer', nullable: true })
  lastStep!: number | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;
}
