import { ConfigError, type Environment, loadConfig } from '../../src/config/config.js';

/** The ConfigError that loading `env` throws; fails when it loads or throws something else. */
export function configError(env: Environment): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}
