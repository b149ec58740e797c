/** What a sign-in or a refresh hands the client: an access token and the session's refresh token. */
export interface TokenPair {
  userId: string;
  sessionId: string;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  refreshExpiresIn: number;
}
