import type { EmailTokenTtls } from '../config/mail-config.js';
import { AuthError } from '../errors/auth-error.js';
import type { Clock } from '../infra/clock.js';
import { randomSecret, sha256 } from '../infra/random.js';
import type { EmailTokenRecord, EmailTokenStore } from '../stores/email-token-store.js';
import type { AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';

/** What a one-time token lets its holder do. */
export type TokenPurpose = 'verify_email' | 'reset_password' | 'change_email_new' | 'change_email_current';

/** A usable token's owner and purpose. */
export type UsedToken = EmailTokenRecord & { purpose: TokenPurpose };

/** A token as mailed, with what is stored of it. */
export interface IssuedToken {
  token: string;
  tokenHash: string;
  purpose: TokenPurpose;
  expiresAt: Date;
  createdAt: Date;
  ttlMs: number;
}

// 32 random bytes, base64url: 43 characters, nothing else is ever a token.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * One-time tokens for every purpose: 256 random bits, only their SHA-256 stored, bound to one
 * user, purpose and address, used once by an atomic update; using one voids the rest of its
 * user and purpose. Every refusal is INVALID_EMAIL_TOKEN, whatever the reason.
 */
export class OneTimeTokens {
  constructor(
    private readonly ttls: EmailTokenTtls,
    private readonly events: AuthEvents,
    private readonly clock: Clock,
  ) {}

  /** A new token (not yet stored). */
  create(purpose: TokenPurpose): IssuedToken {
    const token = randomSecret(32);
    const now = this.clock.now();
    const ttlMs = this.ttlOf(purpose);
    return { token, tokenHash: sha256(token), purpose, createdAt: new Date(now), expiresAt: new Date(now + ttlMs), ttlMs };
  }

  /** Stores a new token for the user and address; the token to mail. */
  async issue(store: EmailTokenStore, purpose: TokenPurpose, owner: { userId: string; email: string; newEmail?: string }): Promise<IssuedToken> {
    const issued = this.create(purpose);
    await store.insert({ userId: owner.userId, purpose, email: owner.email, newEmail: owner.newEmail ?? null, tokenHash: issued.tokenHash, expiresAt: issued.expiresAt, createdAt: issued.createdAt });
    return issued;
  }

  /** The token's owner if it is usable now for `purpose`, without using it (so costly work can wait until it is known good). */
  async check(store: EmailTokenStore, token: string, purpose: TokenPurpose, client: ClientInfo): Promise<UsedToken> {
    const found = TOKEN_SHAPE.test(token) ? await store.peek(sha256(token), new Date(this.clock.now())) : null;
    return found?.purpose === purpose ? (found as UsedToken) : this.refuse(purpose, client);
  }

  /**
   * Uses the token, if it is of one of `purposes`: its owner, or INVALID_EMAIL_TOKEN. `userId`:
   * the signed-in caller, whose token it must be. The user's other tokens of its purpose are
   * voided in the same transaction.
   */
  async consume(store: EmailTokenStore, token: string, purposes: TokenPurpose | readonly TokenPurpose[], userId: string | null, client: ClientInfo): Promise<UsedToken> {
    const now = new Date(this.clock.now());
    const accepted = typeof purposes === 'string' ? [purposes] : purposes;
    const used = TOKEN_SHAPE.test(token) ? await store.consume(sha256(token), accepted, now, userId) : null;
    if (!used) return this.refuse(accepted[0]!, client);
    await store.voidAll(used.userId, [used.purpose], now);
    return used as UsedToken;
  }

  /** Voids the user's unused tokens of these purposes (a password change voids reset links, say). */
  async voidAll(store: EmailTokenStore, userId: string, purposes: readonly TokenPurpose[]): Promise<void> {
    await store.voidAll(userId, purposes, new Date(this.clock.now()));
  }

  /** Records the refusal (never the token) and refuses. */
  refuse(purpose: TokenPurpose, client: ClientInfo, userId: string | null = null): never {
    this.events.record('email_token_failed', { userId, client, detail: { purpose } });
    throw new AuthError('INVALID_EMAIL_TOKEN');
  }

  private ttlOf(purpose: TokenPurpose): number {
    if (purpose === 'reset_password') return this.ttls.passwordResetMs;
    return purpose === 'verify_email' ? this.ttls.emailVerificationMs : this.ttls.emailChangeMs;
  }
}
