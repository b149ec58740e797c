import { pino, type Logger } from 'pino';
import { currentRequestId } from './request-id.js';

export type { Logger };

/** JSON logs on stdout. Anything that may carry a secret is redacted at the source as well. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    // Every line written while a request is handled carries its id.
    mixin: () => {
      const reqId = currentRequestId();
      return reqId === undefined ? {} : { reqId };
    },
    redact: {
      paths: ['password', '*.password', 'refreshToken', '*.refreshToken', 'accessToken', '*.accessToken', 'authorization', '*.authorization'],
      censor: '[redacted]',
    },
  });
}
