/** The contract's error codes (errors[].extensions.code), each with its one public message. */
export const ERROR_MESSAGES = {
  BAD_USER_INPUT: 'The input is not valid.',
  INVALID_CREDENTIALS: 'The email or password is incorrect.',
  EMAIL_TAKEN: 'An account with this email already exists.',
  UNAUTHENTICATED: 'You must be signed in.',
  INVALID_REFRESH_TOKEN: 'The refresh token is not valid.',
  REFRESH_TOKEN_EXPIRED: 'The refresh token has expired.',
  REFRESH_TOKEN_REUSED: 'The refresh token was already used; the session has been revoked.',
  TOKEN_MISMATCH: 'The access token belongs to a different user than the refresh token.',
  ACCOUNT_DISABLED: 'This account is disabled.',
  PROVIDER_NOT_CONFIGURED: 'This sign-in provider is not configured.',
  OAUTH_PROVIDER_ERROR: 'The sign-in provider reported an error.',
  INVALID_OAUTH_STATE: 'The OAuth state is not valid.',
  RATE_LIMITED: 'Too many attempts; try again later.',
  SERVICE_UNAVAILABLE: 'A backing service is unavailable; try again shortly.',
  INVALID_EMAIL_TOKEN: 'The link is not valid: it may have expired or been used already.',
  EMAIL_NOT_VERIFIED: 'The email address has not been verified yet; follow the link we mailed.',
  MAIL_NOT_CONFIGURED: 'This server cannot send mail (no SMTP_URL).',
  MFA_REQUIRED: 'A second factor is needed: complete the sign-in with a code (completeMfa).',
  INVALID_MFA_CODE: 'The code is not valid.',
  INVALID_MFA_CHALLENGE: 'The sign-in challenge is not valid: it may have expired, been used, or had too many wrong codes.',
  INVALID_PASSKEY_CHALLENGE: 'The passkey challenge is not valid: it may have expired or been used. Start again.',
  INTERNAL_SERVER_ERROR: 'Internal server error.',
} as const;

export type ErrorCode = keyof typeof ERROR_MESSAGES;
