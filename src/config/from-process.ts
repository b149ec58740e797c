import { existsSync } from 'node:fs';
import { type Config, ConfigError, loadConfig } from './config.js';

/**
 * The configuration of this process, for entry points (the server, maintenance commands): a .env
 * file is read in development only; a bad value prints one line per variable and exits 2.
 */
export function configFromProcess(): Config {
  if ((process.env.NODE_ENV ?? 'development') === 'development' && existsSync('.env')) process.loadEnvFile('.env');
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}
