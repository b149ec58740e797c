import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * A short-lived, single-use challenge (a second sign-in step, a passkey ceremony) when sessions
 * live in PostgreSQL. Only the SHA-256 of its id is kept.
 */
@Entity({ tableName: 'auth_challenges' })
@Index({ properties: ['expiresAt'] })
export class AuthChallenge {
  @PrimaryKey({ type: 'text' })
  idHash!: string;

  @Property({ type: 'json' })
  payload!: unknown;

  /** Wrong answers so far. */
  @Property({ type: 'integer', default: 0 })
  failures!: number;

  @Property({ type: 'datetime' })
  expiresAt!: Date;
}
