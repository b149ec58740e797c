import type { TriggerDef } from '@mikro-orm/core';

/** The channel gateways LISTEN on for deleted sessions and users, changed users, and signing-key changes. */
// The name predates the changes it now carries; migrations created the triggers with it.
export const CHANGE_CHANNEL = 'auth_revocations';

/**
 * A trigger that announces each deleted row when its transaction commits, whatever deleted it
 * (logout, eviction, a cascade from a deleted user, an operator's SQL). The payload is the
 * feed's one-line format: `s <session id>`, `u <user id>`, `c <user id>` or `k` (stores/change-feed.ts).
 */
export function announceDeletion(kind: 's' | 'u'): TriggerDef {
  return {
    name: 'announce_delete',
    timing: 'after',
    events: ['delete'],
    forEach: 'row',
    body: `perform pg_notify('${CHANGE_CHANNEL}', '${kind} ' || old.id::text); return null;`,
  };
}

/** A trigger that tells every gateway the signing keys changed (`k`), so a rotation reaches them at once. */
export function announceKeyChange(): TriggerDef {
  return {
    name: 'announce_change',
    timing: 'after',
    events: ['insert', 'update'],
    forEach: 'statement',
    body: `perform pg_notify('${CHANGE_CHANNEL}', 'k'); return null;`,
  };
}

/**
 * A trigger that announces a change to what a user's profile shows (`c <user id>`): a row of
 * the users table, or of a table whose `userIdColumn` points at one, so cached profiles are
 * dropped when the change commits. A row moved to another user announces both users.
 */
export function announceUserChange(userIdColumn: string, events: TriggerDef['events']): TriggerDef {
  return {
    name: 'announce_user_change',
    timing: 'after',
    events,
    forEach: 'row',
    body:
      `perform pg_notify('${CHANGE_CHANNEL}', 'c ' || coalesce(new.${userIdColumn}, old.${userIdColumn})::text); ` +
      `if tg_op = 'UPDATE' and new.${userIdColumn} is distinct from old.${userIdColumn} then perform pg_notify('${CHANGE_CHANNEL}', 'c ' || old.${userIdColumn}::text); end if; ` +
      'return null;',
  };
}
