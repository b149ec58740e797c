import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * A rate-limit counter when there is no Redis. The columns are the ones rate-limiter-flexible's
 * PostgreSQL store reads and writes (it is told the table exists; the migration makes it).
 */
@Entity({ tableName: 'rate_limits' })
export class RateLimitCounter {
  @PrimaryKey({ type: 'string', length: 255 })
  key!: string;

  @Property({ type: 'integer', default: 0 })
  points!: number;

  /** Epoch milliseconds when the window ends. */
  @Property({ type: 'bigint', nullable: true })
  expire!: string | null;
}
