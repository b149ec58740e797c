/** A login session as stored. Times are epoch milliseconds; hashes are SHA-256 of refresh tokens. */
export interface SessionRecord {
  id: string;
  userId: string;
  currentHash: string;
  previousHash: string | null;
  rotatedAt: number | null;
  /** How many rotations the session has had; bounds the search for a replayed ancestor token. */
  generation: number;
  /** Per-session key that derives each next refresh token from the one before. */
  rotationKey: string;
  createdAt: number;
  lastUsedAt: number;
  /** When storage may forget the session; liveness itself is decided by the session service. */
  expiresAt: number;
  userAgent: string | null;
  ip: string | null;
}

/**
 * Where sessions live. Implementations: Redis and PostgreSQL. Every method is atomic on its own;
 * a backing-store outage surfaces as AuthError SERVICE_UNAVAILABLE.
 */
export interface SessionStore {
  readonly kind: 'redis' | 'postgres';
  create(session: SessionRecord): Promise<void>;
  find(id: string): Promise<SessionRecord | null>;
  /**
   * Compare-and-swap rotation: when the live hash is still `expectedHash`, it becomes the previous
   * hash, `nextHash` becomes live, the generation goes up by one and `at` is recorded as rotatedAt
   * and lastUsedAt. False when
   * another rotation got there first or the session is gone.
   */
  rotate(id: string, expectedHash: string, nextHash: string, at: number): Promise<boolean>;
  /** Records use of an existing session; does nothing when it is gone. */
  touch(id: string, at: number): Promise<void>;
  /** True when the session existed. */
  delete(id: string): Promise<boolean>;
  /** Deletes every session of the user; returns how many there were. */
  deleteForUser(userId: string): Promise<number>;
}
