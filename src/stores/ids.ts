import type { SessionRef } from './session-store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Ids are UUID columns, always written in lower case (Redis keys are case-sensitive, so both
 * stores take only that form): anything else cannot exist, and must not reach PostgreSQL as a
 * type error.
 */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/** Session ids come from tokens and arguments; only well-formed ones reach a query or a key name. */
export function isSessionRef(ref: SessionRef): boolean {
  return isUuid(ref.userId) && isUuid(ref.id);
}
