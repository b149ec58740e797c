import type { OAuthProviderName } from '../config/oauth-config.js';
import type { StoredUser } from '../stores/user-repository.js';

/** What the API shows of a user: a plain copy, safe to keep beyond a request (no hash). */
export interface UserProfile {
  id: string;
  email: string | null;
  emailVerified: boolean;
  nickname: string;
  providers: OAuthProviderName[];
  hasPassword: boolean;
  /** An email change awaiting confirmation or, for an account without an email, a provider's unverified one. */
  pendingEmail: string | null;
  /** A second factor is on. */
  mfaEnabled: boolean;
  /** An operator disabled the account: it may not sign in or refresh. */
  disabled: boolean;
  createdAt: Date;
}

export function profileOf(user: StoredUser): UserProfile {
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    nickname: user.nickname,
    providers: user.providers,
    hasPassword: user.passwordHash !== null,
    pendingEmail: user.pendingEmail ?? (user.email === null ? (user.providerEmails[0] ?? null) : null),
    mfaEnabled: user.mfaEnabled,
    disabled: user.disabledAt !== null,
    createdAt: user.createdAt,
  };
}
