import { AuthError } from '../errors/auth-error.js';
import type { ClientInfo } from './client-info.js';
import type { RateLimits } from './rate-limits.js';
import type { Sessions } from './sessions.js';
import type { TokenPair } from './token-pair.js';
import type { UserProfile } from './user-profile.js';
import type { UserProfiles } from './user-profiles.js';

/** The `refresh` grant: a rotated token pair, for a user who still exists and is enabled. */
export class TokenRefresh {
  constructor(
    private readonly sessions: Sessions,
    private readonly profiles: UserProfiles,
    private readonly limits: RateLimits,
  ) {}

  /** `boundUserId`: the user of an access token sent alongside, if any (see Sessions.refresh). */
  async refresh(refreshToken: string, boundUserId: string | null, client: ClientInfo): Promise<{ user: UserProfile; tokens: TokenPair }> {
    await this.limits.refresh(client);
    let user: UserProfile | null = null;
    // The user is read once the token has proved genuine, and before anything rotates: with the
    // database down the call fails whole, and the client's token stays good for a retry.
    const tokens = await this.sessions.refresh(refreshToken, boundUserId, client, async (userId) => {
      user = await this.profiles.find(userId);
      if (!user) {
        // The user was deleted: sessions kept outside the database go with them now.
        await this.sessions.endAll(userId);
        throw new AuthError('INVALID_REFRESH_TOKEN');
      }
      if (user.disabled) throw new AuthError('ACCOUNT_DISABLED');
    });
    return { user: user!, tokens };
  }
}
