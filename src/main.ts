import cluster from 'node:cluster';
import { serve } from './app/serve.js';
import { supervise } from './app/supervisor.js';
import { configFromProcess } from './config/from-process.js';
import { createLogger } from './infra/logger.js';

const config = configFromProcess();
const logger = createLogger(config.logLevel);

// WORKERS > 1: this process supervises one gateway process per worker; otherwise it is the gateway.
if (config.workers > 1 && cluster.isPrimary) await supervise(config, logger);
else await serve(config, logger);
