import type { RateLimit, RateLimitConfig } from '../config/limits-config.js';
import { AuthError } from '../errors/auth-error.js';
import { sha256 } from '../infra/random.js';
import type { KeyLock, RateLimitCounters, WindowCounter } from '../stores/rate-limit-counters.js';
import type { ClientInfo } from './sessions.js';

/** What a sign-in reports back once the password was checked. */
export interface SignInAttempt {
  succeeded(): Promise<void>;
  failed(): Promise<void>;
}

const FIRST_LOCK_MS = 60_000;

type AddressLimit = 'refresh' | 'signUp' | 'oauth';

/**
 * Brute-force and abuse limits. Every attempt is counted before any work is done (so attempts
 * arriving together, aliased in one document say, each count), and a refused attempt costs no
 * bcrypt work. Accounts lock Keycloak-style: after SIGNIN_ACCOUNT_MAX_FAILURES failures, one
 * minute, doubling with each further failure up to SIGNIN_ACCOUNT_LOCK_MAX, with one try allowed
 * each time a lock runs out; a success, or the end of the SIGNIN_ACCOUNT_RESET window, forgets them. A locked account answers RATE_LIMITED even
 * to the right password, so a lock never confirms a guess.
 */
export class RateLimits {
  private readonly accountFailures: WindowCounter;
  private readonly accountLock: KeyLock;
  /** The failure count at which the account was last locked. */
  private readonly accountLockedAt: WindowCounter;
  private readonly signInByAddress: WindowCounter;
  private readonly perAddress: Record<AddressLimit, { counter: WindowCounter; limit: RateLimit }>;

  constructor(counters: RateLimitCounters, private readonly config: RateLimitConfig) {
    this.accountFailures = counters.counter('signin-account', config.accountFailureResetMs);
    this.accountLock = counters.lock('signin-account-lock');
    this.accountLockedAt = counters.counter('signin-account-locked-at', config.accountFailureResetMs);
    this.signInByAddress = counters.counter('signin-address', config.signInPerAddress.windowMs);
    this.perAddress = {
      refresh: { counter: counters.counter('refresh-address', config.refreshPerAddress.windowMs), limit: config.refreshPerAddress },
      signUp: { counter: counters.counter('signup-address', config.signUpPerAddress.windowMs), limit: config.signUpPerAddress },
      oauth: { counter: counters.counter('oauth-address', config.oauthPerAddress.windowMs), limit: config.oauthPerAddress },
    };
  }

  /** Counts one sign-in attempt against the account and the address; RATE_LIMITED when either is spent. */
  async signIn(email: string, client: ClientInfo): Promise<SignInAttempt> {
    // Emails are hashed into keys: no address sits in the counter store, and keys stay short.
    const account = sha256(email);
    const address = addressOf(client);
    const locked = await this.accountLock.remaining(account);
    if (locked > 0) throw rateLimited(locked);
    const byAddress = await this.signInByAddress.hit(address);
    if (byAddress.count > this.config.signInPerAddress.points) throw rateLimited(byAddress.resetsInMs);
    const attempt = (await this.accountFailures.hit(account)).count;
    if (attempt > this.config.accountMaxFailures && !(await this.isProbe(account, attempt))) {
      // More attempts than the account may still fail, arriving together: refused before any
      // work, and not counted, so only real failures lengthen the lock.
      await this.accountFailures.undo(account);
      throw rateLimited(Math.max(await this.accountLock.remaining(account), FIRST_LOCK_MS));
    }
    return {
      succeeded: async () => {
        await Promise.all([
          this.accountFailures.clear(account),
          this.accountLockedAt.clear(account),
          this.accountLock.release(account),
          this.signInByAddress.undo(address),
        ]);
      },
      failed: async () => {
        if (attempt < this.config.accountMaxFailures) return;
        await this.accountLock.lock(account, this.lockMs(attempt));
        await this.accountLockedAt.set(account, attempt);
      },
    };
  }

  /**
   * Once a lock has run out, one attempt may try (Keycloak's behaviour): the first one after the
   * failure that set the lock. It holds the lock while it runs, so others arriving with it wait.
   */
  private async isProbe(account: string, attempt: number): Promise<boolean> {
    if ((await this.accountLockedAt.peek(account)) !== attempt - 1) return false;
    // The failure that set that count locks before recording it: an attempt that started before
    // the lock and got here after it finds the lock still on, and is no probe.
    if ((await this.accountLock.remaining(account)) > 0) return false;
    await this.accountLock.lock(account, this.lockMs(attempt));
    return true;
  }

  /** One minute at the limit, doubling with each failure beyond it, capped. */
  private lockMs(failures: number): number {
    return Math.min(this.config.accountLockMaxMs, FIRST_LOCK_MS * 2 ** Math.max(0, failures - this.config.accountMaxFailures));
  }

  refresh(client: ClientInfo): Promise<void> {
    return this.count('refresh', client);
  }

  signUp(client: ClientInfo): Promise<void> {
    return this.count('signUp', client);
  }

  /** OAuth logins and authorization URLs (each stores a state) share one budget. */
  oauth(client: ClientInfo): Promise<void> {
    return this.count('oauth', client);
  }

  private async count(kind: AddressLimit, client: ClientInfo): Promise<void> {
    const { counter, limit } = this.perAddress[kind];
    const window = await counter.hit(addressOf(client));
    if (window.count > limit.points) throw rateLimited(window.resetsInMs);
  }
}

function addressOf(client: ClientInfo): string {
  return client.ip ?? 'unknown';
}

function rateLimited(ms: number): AuthError {
  return new AuthError('RATE_LIMITED', { extras: { retryAfter: Math.max(1, Math.ceil(ms / 1000)) } });
}
