import { AuthError } from '../errors/auth-error.js';
import type { ErrorCode } from '../errors/codes.js';
import type { StoredUser } from '../stores/user-repository.js';
import type { AuthEvents, AuthEventType } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import type { RateLimits } from './rate-limits.js';

/** How a failed check reads: the event recorded (with `reason`) and the error answered. */
export interface CheckFailure {
  event: AuthEventType;
  reason: string;
  error: ErrorCode;
}

/**
 * A signed-in user's check of a secret (their password again, a second-factor code) run as one
 * sign-in attempt on the account's lock, so a stolen access token cannot be used to guess: a
 * refusal by the lock (RATE_LIMITED), or a false check (`failure.error`), records `failure.event`.
 */
export async function countedCheck(
  limits: RateLimits,
  events: AuthEvents,
  user: Pick<StoredUser, 'id' | 'email'>,
  client: ClientInfo,
  failure: CheckFailure,
  check: () => Promise<boolean>,
): Promise<void> {
  const facts = { userId: user.id, client, detail: { reason: failure.reason } };
  const attempt = await limits.signIn(user.email ?? user.id, client, null, events.refusals(failure.event, { ...facts, detail: { reason: 'rate_limited' } }));
  if (!(await check())) {
    await attempt.failed();
    events.record(failure.event, facts);
    throw new AuthError(failure.error);
  }
  await attempt.succeeded();
}
