import { constantTimeEqual, hmacSha256, randomSecret, sha256 } from '../infra/random.js';
import type { SessionRecord, SessionRef } from '../stores/session-store.js';

/**
 * Refresh tokens are `<user id>.<session id>.<secret>`: the ids find the session (a user's
 * sessions are stored together), the 256-bit secret proves possession. Only SHA-256 hashes are
 * stored.
 */
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SHAPE = new RegExp(`^(${UUID})\\.(${UUID})\\.[A-Za-z0-9_-]{43}$`);

export function newRefreshToken(session: SessionRef): string {
  return `${session.userId}.${session.id}.${randomSecret(32)}`;
}

/** The session a token names, or null for anything not shaped like one of our refresh tokens. */
export function parseRefreshToken(token: string): SessionRef | null {
  const match = SHAPE.exec(token);
  return match ? { userId: match[1]!, id: match[2]! } : null;
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
  return `${token.slice(0, token.lastIndexOf('.'))}.${hmacSha256(rotationKey, token)}`;
}

/** Which of a session's refresh tokens was presented: the live one, the one rotated out last, or an older one. */
export type Presented = 'current' | 'previous' | 'ancestor';

type TokenChain = Pick<SessionRecord, 'currentHash' | 'previousHash' | 'generation' | 'rotationKey'>;

/** Which token of the session `token` is; null when it is none of them. Hashes compare in constant time. */
export function presentedToken(token: string, session: TokenChain): Presented | null {
  const hash = hashRefreshToken(token);
  if (constantTimeEqual(hash, session.currentHash)) return 'current';
  if (session.previousHash !== null && constantTimeEqual(hash, session.previousHash)) return 'previous';
  return isAncestor(token, session) ? 'ancestor' : null;
}

/**
 * True when `token` is an older token of this session: deriving forward from it reaches the live
 * hash. Tokens are derived one from the next, so no list of spent hashes needs to be kept; the
 * walk is bounded by the session's rotation count.
 */
function isAncestor(token: string, session: TokenChain): boolean {
  let derived = token;
  for (let step = 0; step < session.generation; step += 1) {
    derived = nextRefreshToken(derived, session.rotationKey);
    if (constantTimeEqual(hashRefreshToken(derived), session.currentHash)) return true;
  }
  return false;
}
