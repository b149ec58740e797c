import { parseDuration } from './duration.js';
import { integer, positiveDuration, type Reader } from './parsers.js';

/** At most `points` in each window of `windowMs`. */
export interface RateLimit {
  readonly points: number;
  readonly windowMs: number;
}

export interface RateLimitConfig {
  /** Failed sign-ins an account may have before it is locked for a while. */
  readonly accountMaxFailures: number;
  /** The longest lock: each further failure doubles it, from one minute, up to this. */
  readonly accountLockMaxMs: number;
  /** Failures are forgotten this long after the last one (or at once on a success). */
  readonly accountFailureResetMs: number;
  readonly signInPerAddress: RateLimit;
  readonly refreshPerAddress: RateLimit;
  readonly signUpPerAddress: RateLimit;
  readonly oauthPerAddress: RateLimit;
  /** Requests that mail a link (verification, reset, email change). */
  readonly mailPerAddress: RateLimit;
}

export function readRateLimits(read: Reader): RateLimitConfig {
  return {
    accountMaxFailures: read('SIGNIN_ACCOUNT_MAX_FAILURES', 5, (raw) => integer(raw, 1, 1_000)),
    accountLockMaxMs: read('SIGNIN_ACCOUNT_LOCK_MAX', parseDuration('15m'), positive),
    accountFailureResetMs: read('SIGNIN_ACCOUNT_RESET', parseDuration('12h'), positive),
    signInPerAddress: read('RATE_LIMIT_SIGNIN', { points: 30, windowMs: parseDuration('5m') }, rateLimit),
    refreshPerAddress: read('RATE_LIMIT_REFRESH', { points: 150, windowMs: parseDuration('5m') }, rateLimit),
    signUpPerAddress: read('RATE_LIMIT_SIGNUP', { points: 10, windowMs: parseDuration('1h') }, rateLimit),
    oauthPerAddress: read('RATE_LIMIT_OAUTH', { points: 30, windowMs: parseDuration('5m') }, rateLimit),
    mailPerAddress: read('RATE_LIMIT_MAIL', { points: 10, windowMs: parseDuration('1h') }, rateLimit),
  };
}

/** `30/5m`: 30 per five minutes. */
function rateLimit(raw: string): RateLimit {
  const match = /^(\d+)\s*\/\s*(\S+)$/.exec(raw);
  if (!match) throw new Error(`expected <count>/<duration> like 30/5m, got "${raw}"`);
  return { points: integer(match[1]!, 1, 1_000_000), windowMs: positive(match[2]!) };
}

/** Counters keep whole seconds: anything shorter is not a window. */
function positive(raw: string): number {
  const ms = positiveDuration(raw);
  if (ms < 1_000) throw new Error('must be at least one second');
  return ms;
}
