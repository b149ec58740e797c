import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { announceDeletion } from '../change-trigger.js';
import { User } from './user.js';

/** A session of the PostgreSQL session store (used when no Redis is configured). */
@Entity({ tableName: 'sessions', triggers: [announceDeletion('s')] })
@Index({ properties: ['expiresAt'] })
// A user's sessions, most recently used first: listing them and evicting beyond the cap.
@Index({ properties: ['user', 'lastUsedAt'] })
export class StoredSession {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  /** SHA-256 of the live refresh token; the token itself is never stored. */
  @Property({ type: 'text' })
  currentHash!: string;

  /** SHA-256 of the refresh token rotated out last, for the concurrent-refresh grace window. */
  @Property({ type: 'text', nullable: true })
  previousHash!: string | null;

  @Property({ type: 'datetime', nullable: true })
  rotatedAt!: Date | null;

  @Property({ type: 'integer', default: 0 })
  generation!: number;

  /** Per-session key that derives each next refresh token from the one before. */
  @Property({ type: 'text' })
  rotationKey!: string;

  /** How the user authenticated (RFC 8176 values, space-separated); kept by every rotation. */
  @Property({ type: 'text', default: '' })
  amr!: string;

  /** When the user authenticated; null for sessions older than this column (their createdAt then). */
  @Property({ type: 'datetime', nullable: true })
  authTime!: Date | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  lastUsedAt!: Date;

  /** When storage may drop the row (the absolute lifetime at issue time). */
  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'text', nullable: true })
  userAgent!: string | null;

  @Property({ type: 'text', nullable: true })
  ip!: string | null;
}
