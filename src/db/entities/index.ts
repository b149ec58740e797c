import { AuditEvent } from './AuditEvent.js';
import { OAuthIdentity } from './OAuthIdentity.js';
import { PendingOAuthState } from './PendingOAuthState.js';
import { RateLimitCounter } from './RateLimitCounter.js';
import { SigningKey } from './SigningKey.js';
import { StoredSession } from './StoredSession.js';
import { User } from './User.js';

export { AuditEvent, OAuthIdentity, PendingOAuthState, RateLimitCounter, SigningKey, StoredSession, User };

export const ENTITIES = [User, OAuthIdentity, SigningKey, StoredSession, PendingOAuthState, RateLimitCounter, AuditEvent];
