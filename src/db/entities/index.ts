import { AuditEvent } from './audit-event.js';
import { OAuthIdentity } from './oauth-identity.js';
import { PendingOAuthState } from './pending-oauth-state.js';
import { RateLimitCounter } from './rate-limit-counter.js';
import { SigningKey } from './signing-key.js';
import { StoredSession } from './stored-session.js';
import { User } from './user.js';

export { AuditEvent, OAuthIdentity, PendingOAuthState, RateLimitCounter, SigningKey, StoredSession, User };

export const ENTITIES = [User, OAuthIdentity, SigningKey, StoredSession, PendingOAuthState, RateLimitCounter, AuditEvent];
