import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { User } from './user.js';

/** One of a user's single-use recovery codes, stored as its SHA-256 only. */
@Entity({ tableName: 'recovery_codes' })
export class RecoveryCode {
  @ManyToOne(() => User, { primary: true, deleteRule: 'cascade' })
  user!: User;

  @PrimaryKey({ type: 'text' })
  codeHash!: string;

  @Property({ type: 'datetime', nullable: true })
  usedAt!: Date | null;
}
