import { startGateway } from './gateway.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../infra/logger.js';
import { onStopSignal } from './stop-signal.js';

/** One gateway in this process: started, and on SIGTERM or SIGINT drained and closed, exit 0. */
export async function serve(config: Config, logger: Logger): Promise<void> {
  let gateway;
  try {
    gateway = await startGateway(config, { logger });
  } catch (error) {
    // Not every library rejects with an Error; the reason must reach the log all the same.
    logger.fatal({ err: error instanceof Error ? error : new Error(String(error)) }, 'the gateway could not start');
    process.exit(1);
  }
  onStopSignal((signal) => {
    logger.info(`${signal} received: finishing in-flight requests and shutting down`);
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
