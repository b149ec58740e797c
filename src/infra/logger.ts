import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stdout. Anything that may carry a secret is redacted at the source as well. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: ['password', '*.password', 'refreshToken', '*.refreshToken', 'accessToken', '*.accessToken', 'authorization', '*.authorization'],
      censor: '[redacted]',
    },
  });
}
