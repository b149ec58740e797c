import { type DestinationStream, pino, type Logger, type LoggerOptions } from 'pino';
import { currentRequestId } from './request-id.js';
import { scrubError } from './scrub.js';

export type { Logger };

/**
 * JSON logs on stdout (a command whose stdout is its answer logs to stderr: 2; a test passes a
 * stream). Anything that may carry a secret is redacted at the source as well, and errors are
 * scrubbed of the values a database driver quotes (emails, hashes).
 */
export function createLogger(level: string, destination: 1 | 2 | DestinationStream = 1): Logger {
  const options: LoggerOptions = {
    level,
    base: undefined,
    // Every line written while a request is handled carries its id.
    mixin: () => {
      const reqId = currentRequestId();
      return reqId === undefined ? {} : { reqId };
    },
    serializers: { err: (error: Error) => scrubError(pino.stdSerializers.err(error)) },
    redact: {
      paths: ['password', '*.password', 'refreshToken', '*.refreshToken', 'accessToken', '*.accessToken', 'authorization', '*.authorization'],
      censor: '[redacted]',
    },
  };
  if (destination === 1) return pino(options);
  return pino(options, destination === 2 ? pino.destination({ dest: 2, sync: true }) : destination);
}
