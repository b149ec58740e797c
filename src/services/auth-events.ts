import type { Clock } from '../infra/clock.js';
import type { Logger } from '../infra/logger.js';
import type { AuditTrail } from '../stores/audit-trail.js';
import type { ClientInfo } from './client-info.js';

export type AuthEventType =
  | 'sign_up'
  | 'sign_in'
  | 'sign_in_failed'
  | 'oauth_login'
  | 'oauth_linked'
  | 'refresh_reuse_detected'
  | 'logout'
  | 'session_revoked'
  | 'user_disabled'
  | 'user_enabled'
  | 'user_created'
  | 'sessions_revoked'
  | 'keys_rotated'
  | 'email_verification_requested'
  | 'email_verified'
  | 'password_reset_requested'
  | 'password_reset'
  | 'password_changed'
  | 'email_change_requested'
  | 'email_change_confirmed'
  | 'email_changed'
  | 'account_deleted'
  | 'email_token_failed'
  | 'mfa_enrollment_started'
  | 'mfa_enabled'
  | 'mfa_disabled'
  | 'mfa_reset'
  | 'mfa_challenged'
  | 'mfa_code_failed'
  | 'recovery_code_used'
  | 'passkey_added'
  | 'passkey_removed'
  | 'passkey_sign_in';

export interface AuthEventFacts {
  userId?: string | null;
  sessionId?: string | null;
  client?: ClientInfo | null;
  /** Event-specific facts (a provider, a reason, who acted); never a token, password or secret. */
  detail?: Record<string, string | number | boolean>;
}

/** Hears every event, e.g. to count it. */
export type AuthEventObserver = (type: AuthEventType, facts: AuthEventFacts) => void;

/** Auth events: one info log line each, and a row in the audit trail. */
export class AuthEvents {
  constructor(
    private readonly trail: AuditTrail,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly observe: AuthEventObserver = () => undefined,
  ) {}

  /** An event seen again soon after one that was recorded (a burst of refusals, say): counted, not written. */
  count(type: AuthEventType, facts: AuthEventFacts): void {
    this.observe(type, facts);
  }

  /**
   * For a limit's refusals (RateLimits' RefusalListener): the first of a window is recorded, the
   * rest of a burst only counted, so a flood is one audit row per window.
   */
  refusals(type: AuthEventType, facts: AuthEventFacts): (firstInWindow: boolean) => void {
    return (firstInWindow) => (firstInWindow ? this.record(type, facts) : this.count(type, facts));
  }

  record(type: AuthEventType, facts: AuthEventFacts): void {
    const userId = facts.userId ?? null;
    const sessionId = facts.sessionId ?? null;
    const ip = facts.client?.ip ?? null;
    this.observe(type, facts);
    this.logger.info({ event: type, userId, sessionId, ip, ...facts.detail }, `auth event: ${type}`);
    this.trail.append({
      at: new Date(this.clock.now()),
      type,
      userId,
      sessionId,
      ip,
      userAgent: facts.client?.userAgent?.slice(0, 512) ?? null,
      detail: facts.detail ?? null,
    });
  }
}
