import { hash, timingSafeEqual } from 'node:crypto';
import { constantTimeEqual, hmacSha256, randomSecret, sha256 } from '../infra/random.js';
import type { SessionRecord, SessionRef } from '../stores/session-store.js';

/**
 * Refresh tokens are `<user id>.<session id>.<secret>`: the ids find the session (a user's
 * sessions are stored together), the 256-bit secret proves possession. Only SHA-256 hashes are
 * stored.
 */
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SECRET_LENGTH = 43;
const SHAPE = new RegExp(`^(${UUID})\\.(${UUID})\\.[A-Za-z0-9_-]{${SECRET_LENGTH}}$`);
const HMAC_BLOCK = 64;

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

/**
 * How far back a replayed token is still recognised: reuse of any of a session's last 1,000
 * tokens revokes it. Older ones are merely invalid. The bound keeps each check to ~1 ms of CPU
 * whatever the session's age (a forged `generation` of ten million included).
 */
export const REUSE_DETECTION_DEPTH = 1_000;

/**
 * Which token of the session `token` is; null when it is none of them. Hashes compare in constant
 * time. `ancestors: false` skips the search among older tokens (logout needs only the live ones).
 */
export function presentedToken(token: string, session: TokenChain, options: { ancestors: boolean } = { ancestors: true }): Presented | null {
  const hash = hashRefreshToken(token);
  if (constantTimeEqual(hash, session.currentHash)) return 'current';
  if (session.previousHash !== null && constantTimeEqual(hash, session.previousHash)) return 'previous';
  return options.ancestors && isAncestor(token, session) ? 'ancestor' : null;
}

/**
 * True when `token` is one of the session's last REUSE_DETECTION_DEPTH tokens: deriving forward
 * from it reaches the live hash. Tokens are derived one from the next, so no list of spent hashes
 * needs to be kept. The walk is nextRefreshToken and hashRefreshToken unrolled onto reused
 * buffers (HMAC by its definition, RFC 2104), about three times cheaper than the string versions.
 */
function isAncestor(token: string, session: TokenChain): boolean {
  const steps = Math.min(session.generation, REUSE_DETECTION_DEPTH);
  if (steps === 0) return false;
  const live = Buffer.from(session.currentHash, 'base64url');
  const block = Buffer.alloc(HMAC_BLOCK);
  const key = Buffer.from(session.rotationKey);
  (key.length > HMAC_BLOCK ? hash('sha256', key, 'buffer') : key).copy(block);
  // inner = ipad-key ‖ token (the token's secret is rewritten in place each step); outer = opad-key ‖ H(inner)
  const inner = Buffer.alloc(HMAC_BLOCK + Buffer.byteLength(token));
  const outer = Buffer.alloc(HMAC_BLOCK + 32);
  for (let i = 0; i < HMAC_BLOCK; i += 1) {
    inner[i] = block[i]! ^ 0x36;
    outer[i] = block[i]! ^ 0x5c;
  }
  inner.write(token, HMAC_BLOCK, 'latin1');
  const derived = inner.subarray(HMAC_BLOCK);
  const secretAt = inner.length - SECRET_LENGTH;
  for (let step = 0; step < steps; step += 1) {
    hash('sha256', inner, 'buffer').copy(outer, HMAC_BLOCK);
    inner.write(hash('sha256', outer, 'base64url'), secretAt, 'latin1');
    if (timingSafeEqual(hash('sha256', derived, 'buffer'), live)) return true;
  }
  return false;
}
