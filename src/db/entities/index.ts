import { AuditEvent } from './audit-event.js';
import { OAuthIdentity } from './oauth-identity.js';
import { OneTimeToken } from './one-time-token.js';
import { OutboxMail } from './outbox-mail.js';
import { PendingOAuthState } from './pending-oauth-state.js';
import { RateLimitCounter } from './rate-limit-counter.js';
import { SigningKey } from './signing-key.js';
import { StoredSession } from './stored-session.js';
import { User } from './user.js';

export { AuditEvent, OAuthIdentity, OneTimeToken, OutboxMail, PendingOAuthState, RateLimitCounter, SigningKey, StoredSession, User };

export const ENTITIES = [User, OAuthIdentity, SigningKey, StoredSession, PendingOAuthState, RateLimitCounter, AuditEvent, OneTimeToken, OutboxMail];
