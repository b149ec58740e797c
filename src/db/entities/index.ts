import { AuditEvent } from './audit-event.js';
import { AuthChallenge } from './auth-challenge.js';
import { OAuthIdentity } from './oauth-identity.js';
import { OneTimeToken } from './one-time-token.js';
import { OutboxMail } from './outbox-mail.js';
import { Passkey } from './passkey.js';
import { PendingOAuthState } from './pending-oauth-state.js';
import { RateLimitCounter } from './rate-limit-counter.js';
import { RecoveryCode } from './recovery-code.js';
import { SigningKey } from './signing-key.js';
import { StoredSession } from './stored-session.js';
import { TotpFactor } from './totp-factor.js';
import { User } from './user.js';

export { AuditEvent, AuthChallenge, OAuthIdentity, OneTimeToken, OutboxMail, Passkey, PendingOAuthState, RateLimitCounter, RecoveryCode, SigningKey, StoredSession, TotpFactor, User };

export const ENTITIES = [User, OAuthIdentity, SigningKey, StoredSession, PendingOAuthState, RateLimitCounter, AuditEvent, OneTimeToken, OutboxMail, TotpFactor, RecoveryCode, Passkey, AuthChallenge];
