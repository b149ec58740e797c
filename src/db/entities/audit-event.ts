import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * One auth event in the audit trail. The user and session ids are not foreign keys: the trail
 * outlives them (a deleted user's history stays until AUDIT_RETENTION removes it).
 */
@Entity({ tableName: 'audit_events' })
@Index({ properties: ['userId', 'at'] })
export class AuditEvent {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'datetime', index: true })
  at!: Date;

  /** sign_up, sign_in, sign_in_failed, … (services/auth-events.ts). */
  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'uuid', nullable: true })
  userId!: string | null;

  @Property({ type: 'uuid', nullable: true })
  sessionId!: string | null;

  @Property({ type: 'text', nullable: true })
  ip!: string | null;

  @Property({ type: 'text', nullable: true })
  userAgent!: string | null;

  /** Event-specific facts (a provider, a failure reason); never a secret. */
  @Property({ type: 'json', nullable: true })
  detail!: Record<string, string | number | boolean> | null;
}
