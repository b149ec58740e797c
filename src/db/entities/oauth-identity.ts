import { Entity, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { announceUserChange } from '../change-trigger.js';
import { User } from './user.js';

/** A provider account linked to a user: one (provider, providerUserId) maps to one user. */
@Entity({ tableName: 'oauth_identities', triggers: [announceUserChange('user_id', ['insert', 'update', 'delete'])] })
@Unique({ properties: ['provider', 'providerUserId'] })
export class OAuthIdentity {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  /** GOOGLE, NAVER or KAKAO. */
  @Property({ type: 'text' })
  provider!: string;

  @Property({ type: 'text' })
  providerUserId!: string;

  @Property({ type: 'text', nullable: true })
  email!: string | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;
}
