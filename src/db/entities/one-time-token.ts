import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { User } from './user.js';

/**
 * A link mailed to a user (verify an email, reset a password, confirm an email change): bound to
 * one user, one purpose and the address it went to. Only the SHA-256 of the token is kept.
 */
@Entity({ tableName: 'one_time_tokens' })
@Index({ properties: ['user', 'purpose'] })
export class OneTimeToken {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  /** verify_email, reset_password, change_email_new, change_email_current (services/one-time-tokens.ts). */
  @Property({ type: 'text' })
  purpose!: string;

  /** The address the link was mailed to. */
  @Property({ type: 'text' })
  email!: string;

  /** change_email: the address the account moves to. */
  @Property({ type: 'text', nullable: true })
  newEmail!: string | null;

  @Property({ type: 'text', unique: true })
  tokenHash!: string;

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  /** When it was used, or voided by the use of another one of its purpose. */
  @Property({ type: 'datetime', nullable: true })
  usedAt!: Date | null;
}
