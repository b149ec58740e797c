import { GraphQLError } from 'graphql';
import { ERROR_MESSAGES, type ErrorCode } from './codes.js';

/** Extras a client may read in `extensions`, typed per the contract. */
export interface AuthErrorExtras {
  /** BAD_USER_INPUT: the input field at fault. */
  field?: string;
  /** UNAUTHENTICATED: the login state the context builder decided. */
  loginState?: string;
  /** RATE_LIMITED: seconds to wait. */
  retryAfter?: number;
  /** OAUTH_PROVIDER_ERROR: the provider's own error code. */
  providerError?: string;
  /** MFA_REQUIRED: the challenge that completeMfa answers. */
  mfaChallenge?: { id: string; expiresIn: number; methods: string[] };
}

/**
 * The one error family the API raises. The message is fixed per code (never the input, never
 * an internal reason); `detail` is for the log only.
 */
export class AuthError extends GraphQLError {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  /** SERVICE_UNAVAILABLE: the store that did not answer (for metrics; never sent). */
  readonly store: string | undefined;

  constructor(code: ErrorCode, options: { extras?: AuthErrorExtras; detail?: string; message?: string; cause?: unknown; store?: string } = {}) {
    super(options.message ?? ERROR_MESSAGES[code], { extensions: { code, ...options.extras } });
    this.name = 'AuthError';
    this.code = code;
    this.detail = options.detail;
    this.store = options.store;
    if (options.cause !== undefined) Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
  }
}

export function badInput(field: string, message: string): AuthError {
  return new AuthError('BAD_USER_INPUT', { extras: { field }, message });
}
