import { pino, type Logger, type LoggerOptions } from 'pino';
import { currentRequestId } from './request-id.js';

export type { Logger };

/**
 * JSON logs on stdout (a command whose stdout is its answer logs to stderr: `fd` 2). Anything
 * that may carry a secret is redacted at the source as well.
 */
export function createLogger(level: string, fd: 1 | 2 = 1): Logger {
  const options: LoggerOptions = {
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
  };
  return fd === 1 ? pino(options) : pino(options, pino.destination({ dest: 2, sync: true }));
}
