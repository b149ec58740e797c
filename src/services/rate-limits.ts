import { isIPv6 } from 'node:net';
import type { RateLimit, RateLimitConfig } from '../config/limits-config.js';
import { AuthError } from '../errors/auth-error.js';
import { sha256 } from '../infra/random.js';
import type { KeyLock, RateLimitCounters, WindowCounter } from '../stores/rate-limit-counters.js';
import type { ClientInfo } from './client-info.js';

/** What a sign-in reports back once the password was checked. */
export interface SignInAttempt {
  succeeded(): Promise<void>;
  failed(): Promise<void>;
}

/** Told of each refused sign-in; `firstInWindow` is true once per refused key and window. */
export type RefusalListener = (firstInWindow: boolean) => void;

const FIRST_LOCK_MS = 60_000;

type AddressLimit = 'refresh' | 'signUp' | 'oauth' | 'logout' | 'mail' | 'passkey';

/** Mails with a link to one address and purpose: one a minute, five an hour. */
const MAIL_PER_MINUTE = 1;
const MAIL_PER_HOUR = 5;

/**
 * Brute-force and abuse limits. Every attempt is counted before any work is done (so attempts
 * arriving together, aliased in one document say, each count), and a refused attempt costs no
 * bcrypt work.
 *
 * Accounts lock Keycloak-style, with OWASP's device cookies on top: a client that signed in to the
 * account before presents its device token and is judged by its own failures only, so a stranger
 * guessing at the account cannot lock its owner out; everyone else shares the account's lock.
 */
export class RateLimits {
  /** Clients without a device token of this account. */
  private readonly account: Lockout;
  /** Each trusted device of an account on its own. */
  private readonly device: Lockout;
  private readonly signInByAddress: WindowCounter;
  private readonly refusals: WindowCounter;
  private readonly perAddress: Record<AddressLimit, { counter: WindowCounter; limit: RateLimit }>;
  private readonly mailsPerMinute: WindowCounter;
  private readonly mailsPerHour: WindowCounter;

  constructor(counters: RateLimitCounters, private readonly config: RateLimitConfig) {
    this.account = new Lockout(counters, 'signin-account', config);
    this.device = new Lockout(counters, 'signin-device', config);
    this.signInByAddress = counters.counter('signin-address', config.signInPerAddress.windowMs);
    this.refusals = counters.counter('signin-refused', config.signInPerAddress.windowMs);
    const budget = (name: string, limit: RateLimit) => ({ counter: counters.counter(name, limit.windowMs), limit });
    this.perAddress = {
      refresh: budget('refresh-address', config.refreshPerAddress),
      signUp: budget('signup-address', config.signUpPerAddress),
      oauth: budget('oauth-address', config.oauthPerAddress),
      // Logout by refresh token checks a credential too: it spends the refresh budget's size in its own.
      logout: budget('logout-address', config.refreshPerAddress),
      mail: budget('mail-address', config.mailPerAddress),
      // Each passkey sign-in stores a challenge, and may end in a failed sign-in: the sign-in budget's size.
      passkey: budget('passkey-address', config.signInPerAddress),
    };
    this.mailsPerMinute = counters.counter('mail-to-minute', 60_000);
    this.mailsPerHour = counters.counter('mail-to-hour', 3_600_000);
  }

  /**
   * Counts one sign-in attempt against the account (or the trusted device `deviceId`) and the
   * address; RATE_LIMITED when either is spent.
   */
  async signIn(email: string, client: ClientInfo, deviceId: string | null, onRefused: RefusalListener): Promise<SignInAttempt> {
    // Emails are hashed into keys: no address sits in the counter store, and keys stay short.
    const account = sha256(email);
    const [lockout, key] = deviceId === null ? [this.account, account] : [this.device, `${account}:${deviceId}`];
    const address = budgetKeyOf(client.ip);
    const refuse = async (scope: string, ms: number) => {
      onRefused((await this.refusals.hit(`${scope}:${scope === 'address' ? address : key}`)).count === 1);
      return rateLimited(ms);
    };
    const locked = await lockout.remaining(key);
    if (locked > 0) throw await refuse('lock', locked);
    const byAddress = await this.signInByAddress.hit(address);
    if (byAddress.count > this.config.signInPerAddress.points) throw await refuse('address', byAddress.resetsInMs);
    const attempt = await lockout.count(key);
    if (attempt === null) throw await refuse('lock', Math.max(await lockout.remaining(key), FIRST_LOCK_MS));
    return {
      succeeded: async () => {
        await Promise.all([lockout.forget(key), this.signInByAddress.undo(address)]);
      },
      failed: () => lockout.failed(key, attempt),
    };
  }

  refresh(client: ClientInfo): Promise<void> {
    return this.count('refresh', client);
  }

  logout(client: ClientInfo): Promise<void> {
    return this.count('logout', client);
  }

  signUp(client: ClientInfo): Promise<void> {
    return this.count('signUp', client);
  }

  /** OAuth logins and authorization URLs (each stores a state) share one budget. */
  oauth(client: ClientInfo): Promise<void> {
    return this.count('oauth', client);
  }

  /** A passkey sign-in started (it stores a challenge). */
  passkeySignIn(client: ClientInfo): Promise<void> {
    return this.count('passkey', client);
  }

  /** A request that would mail a link: counted against the client address (RATE_LIMITED when spent). */
  mailRequest(client: ClientInfo): Promise<void> {
    return this.count('mail', client);
  }

  /**
   * Whether a link for `purpose` may be mailed to `email` now. Counted whether an account has the
   * address or not, so the answer tells nothing; past the limit the caller answers as usual and
   * sends nothing (notices are never held back: they do not come here).
   */
  async mailTo(email: string, purpose: string): Promise<boolean> {
    const key = `${sha256(email)}:${purpose}`;
    // The hour counts the mails the minute let through, not every request.
    if ((await this.mailsPerMinute.hit(key)).count > MAIL_PER_MINUTE) return false;
    return (await this.mailsPerHour.hit(key)).count <= MAIL_PER_HOUR;
  }

  private async count(kind: AddressLimit, client: ClientInfo): Promise<void> {
    const { counter, limit } = this.perAddress[kind];
    const window = await counter.hit(budgetKeyOf(client.ip));
    if (window.count > limit.points) throw rateLimited(window.resetsInMs);
  }
}

/**
 * Failures and locks of one kind of key: after SIGNIN_ACCOUNT_MAX_FAILURES failures, one minute,
 * doubling with each further failure up to SIGNIN_ACCOUNT_LOCK_MAX, with one try allowed each
 * time a lock runs out; a success, or the end of the SIGNIN_ACCOUNT_RESET window, forgets them. A
 * locked key answers RATE_LIMITED even to the right password, so a lock never confirms a guess.
 */
class Lockout {
  private readonly failures: WindowCounter;
  private readonly lock: KeyLock;
  /** The failure count at which the key was last locked. */
  private readonly lockedAt: WindowCounter;

  constructor(counters: RateLimitCounters, name: string, private readonly config: RateLimitConfig) {
    this.failures = counters.counter(name, config.accountFailureResetMs);
    this.lock = counters.lock(`${name}-lock`);
    this.lockedAt = counters.counter(`${name}-locked-at`, config.accountFailureResetMs);
  }

  remaining(key: string): Promise<number> {
    return this.lock.remaining(key);
  }

  /** Counts an attempt; its number, or null when it may not try (refused before any work, and not counted). */
  async count(key: string): Promise<number | null> {
    const attempt = (await this.failures.hit(key)).count;
    if (attempt > this.config.accountMaxFailures && !(await this.isProbe(key, attempt))) {
      // More attempts than the key may still fail, arriving together: not counted, so only real
      // failures lengthen the lock.
      await this.failures.undo(key);
      return null;
    }
    return attempt;
  }

  async failed(key: string, attempt: number): Promise<void> {
    if (attempt < this.config.accountMaxFailures) return;
    await this.lock.lock(key, this.lockMs(attempt));
    await this.lockedAt.set(key, attempt);
  }

  async forget(key: string): Promise<void> {
    await Promise.all([this.failures.clear(key), this.lockedAt.clear(key), this.lock.release(key)]);
  }

  /**
   * Once a lock has run out, one attempt may try (Keycloak's behaviour): the first one after the
   * failure that set the lock. It holds the lock while it runs, so others arriving with it wait.
   */
  private async isProbe(key: string, attempt: number): Promise<boolean> {
    if ((await this.lockedAt.peek(key)) !== attempt - 1) return false;
    // The failure that set that count locks before recording it: an attempt that started before
    // the lock and got here after it finds the lock still on, and is no probe.
    if ((await this.lock.remaining(key)) > 0) return false;
    await this.lock.lock(key, this.lockMs(attempt));
    return true;
  }

  /** One minute at the limit, doubling with each failure beyond it, capped. */
  private lockMs(failures: number): number {
    return Math.min(this.config.accountLockMaxMs, FIRST_LOCK_MS * 2 ** Math.max(0, failures - this.config.accountMaxFailures));
  }
}

/**
 * The budget a client address spends. IPv6 clients are keyed by their /64: a single host is
 * usually given a whole /64 and could mint a fresh address for every attempt.
 */
export function budgetKeyOf(ip: string | null): string {
  if (ip === null) return 'unknown';
  if (!isIPv6(ip)) return ip;
  return `${ipv6Groups(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, in hex without leading zeros. */
function ipv6Groups(ip: string): string[] {
  let text = ip.replace(/%.*$/, '').toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((group) => parseInt(group, 16).toString(16));
}

function rateLimited(ms: number): AuthError {
  return new AuthError('RATE_LIMITED', { extras: { retryAfter: Math.max(1, Math.ceil(ms / 1000)) } });
}
