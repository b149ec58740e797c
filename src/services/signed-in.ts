import type { TokenPair } from './token-pair.js';
import type { UserProfile } from './user-profile.js';

/** What every way of signing in answers: the user, their new session's tokens. */
export interface SignedIn {
  user: UserProfile;
  tokens: TokenPair;
  isNewUser: boolean;
  /** signIn's device token for this client (see DeviceTokens). */
  deviceToken?: string;
}
