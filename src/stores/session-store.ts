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
  /** How the user authenticated: RFC 8176 method references (pwd, otp, hwk, swk, mfa…). */
  amr: string[];
  /** When the user authenticated (epoch milliseconds); a refresh never changes it. */
  authTime: number;
  createdAt: number;
  lastUsedAt: number;
  /** When storage may forget the session; liveness itself is decided by the session service. */
  expiresAt: number;
  userAgent: string | null;
  ip: string | null;
}

/** The times that decide whether a session is still alive. */
export type SessionTimes = Pick<SessionRecord, 'createdAt' | 'lastUsedAt'>;

/**
 * What a user may keep when a session is created: sessions created or last used at or before
 * these times have ended under the settings in force, and at most `limit` sessions remain.
 */
export interface Retention {
  limit: number;
  endedIfCreatedBy: number;
  endedIfLastUsedBy: number;
}

/** A session is addressed within its user: Redis keeps a user's sessions together (one cluster slot). */
export interface SessionRef {
  userId: string;
  id: string;
}

/**
 * Where sessions live. Implementations: Redis and PostgreSQL. Every method is atomic on its own;
 * a backing-store outage surfaces as AuthError SERVICE_UNAVAILABLE. Every session that a method
 * removes is announced on the store's revocation channel (see change-feed.ts) as part of the
 * same atomic step, so other gateway instances forget it at once.
 */
export interface SessionStore {
  readonly kind: 'redis' | 'postgres';
  /**
   * Stores a new session, then removes the user's sessions that have ended under `retention` and,
   * beyond its limit, the least recently used ones; returns the ids it removed.
   */
  create(session: SessionRecord, retention: Retention): Promise<string[]>;
  /** The session, or null when it is gone or belongs to another user. */
  find(ref: SessionRef): Promise<SessionRecord | null>;
  /** The user's stored sessions, most recently used first. */
  listForUser(userId: string): Promise<SessionRecord[]>;
  /**
   * Compare-and-swap rotation: when the live hash is still `expectedHash`, it becomes the previous
   * hash, `nextHash` becomes live, the generation goes up by one and `at` is recorded as rotatedAt
   * and lastUsedAt. False when another rotation got there first or the session is gone.
   */
  rotate(ref: SessionRef, expectedHash: string, nextHash: string, at: number): Promise<boolean>;
  /**
   * Compare-and-swap replacement: when the live hash is still `expectedHash`, `nextHash` becomes
   * live and no previous hash is kept (the replaced token gets no grace: a password change, say);
   * the generation goes up by one and `at` is recorded as lastUsedAt. False otherwise.
   */
  replace(ref: SessionRef, expectedHash: string, nextHash: string, at: number): Promise<boolean>;
  /** Records use of an existing session; does nothing when it is gone. */
  touch(ref: SessionRef, at: number): Promise<void>;
  /** Removes the session; its times when it existed (to tell a live one from an ended one), else null. */
  delete(ref: SessionRef): Promise<SessionTimes | null>;
  /** Deletes every session of the user; returns the ids of those there were. */
  deleteForUser(userId: string): Promise<string[]>;
}
