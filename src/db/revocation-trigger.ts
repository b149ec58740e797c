import type { TriggerDef } from '@mikro-orm/core';

/** The channel gateways LISTEN on for deleted sessions and users, and for signing-key changes. */
export const REVOCATION_CHANNEL = 'auth_revocations';

/**
 * A trigger that announces each deleted row when its transaction commits, whatever deleted it
 * (logout, eviction, a cascade from a deleted user, an operator's SQL). The payload is the
 * feed's one-line format: `s <session id>`, `u <user id>` or `k` (stores/revocation-feed.ts).
 */
export function announceDeletion(kind: 's' | 'u'): TriggerDef {
  return {
    name: 'announce_delete',
    timing: 'after',
    events: ['delete'],
    forEach: 'row',
    body: `perform pg_notify('${REVOCATION_CHANNEL}', '${kind} ' || old.id::text); return null;`,
  };
}

/** A trigger that tells every gateway the signing keys changed (`k`), so a rotation reaches them at once. */
export function announceKeyChange(): TriggerDef {
  return {
    name: 'announce_change',
    timing: 'after',
    events: ['insert', 'update'],
    forEach: 'statement',
    body: `perform pg_notify('${REVOCATION_CHANNEL}', 'k'); return null;`,
  };
}
