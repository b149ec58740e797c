import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** An `oauthAuthorizationUrl` state awaiting its `oauthLogin` (PostgreSQL store, used without Redis). */
@Entity({ tableName: 'oauth_states' })
@Index({ properties: ['expiresAt'] })
export class PendingOAuthState {
  /** SHA-256 of the state; the state itself is never stored. */
  @PrimaryKey({ type: 'text' })
  stateHash!: string;

  @Property({ type: 'text' })
  provider!: string;

  @Property({ type: 'text' })
  redirectUri!: string;

  /** The PKCE verifier sent with the code; null for a provider without PKCE. */
  @Property({ type: 'text', nullable: true })
  codeVerifier!: string | null;

  /** The S256 challenge of a client holding its own PKCE verifier; the login must carry that verifier. */
  @Property({ type: 'text', nullable: true })
  codeChallenge!: string | null;

  @Property({ type: 'datetime' })
  expiresAt!: Date;
}
