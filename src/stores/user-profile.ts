import type { User } from '../db/entities/index.js';

/** What the API shows of a user: a plain copy, safe to keep beyond a request (no hash, no ORM state). */
export interface UserProfile {
  id: string;
  email: string | null;
  emailVerified: boolean;
  nickname: string;
  providers: string[];
  hasPassword: boolean;
  /** An operator disabled the account: it may not sign in or refresh. */
  disabled: boolean;
  createdAt: Date;
}

export function profileOf(user: User): UserProfile {
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    nickname: user.nickname,
    providers: user.identities.getItems().map((identity) => identity.provider),
    hasPassword: user.passwordHash !== null,
    disabled: user.disabledAt !== null,
    createdAt: user.createdAt,
  };
}
