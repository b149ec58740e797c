import { hmacSha256, randomSecret, sha256 } from '../infra/random.js';

/**
 * Refresh tokens are `<session id>.<secret>`: the id finds the session, the 256-bit secret proves
 * possession. Only SHA-256 hashes are stored.
 */
export interface RefreshToken {
  sessionId: string;
  token: string;
}

const SHAPE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;

export function newRefreshToken(sessionId: string): string {
  return `${sessionId}.${randomSecret(32)}`;
}

/** Null for anything that is not shaped like one of our refresh tokens. */
export function parseRefreshToken(token: string): RefreshToken | null {
  const match = SHAPE.exec(token);
  return match ? { sessionId: match[1]!, token } : null;
}

export function hashRefreshToken(token: string): string {
  return sha256(token);
}

/**
 * The token that replaces `token` on rotation. It is derived, not drawn at random, so concurrent
 * refreshes with the same token all receive the same successor instead of forking the session.
 * The per-session key never leaves the server, so a token alone does not reveal its successor.
 */
export function nextRefreshToken(token: string, rotationKey: string): string {
  const sessionId = token.slice(0, token.indexOf('.'));
  return `${sessionId}.${hmacSha256(rotationKey, token)}`;
}
