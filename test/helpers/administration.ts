import { loadConfig } from '../../src/config/config.js';
import { openCore } from '../../src/app/core.js';
import { createLogger } from '../../src/infra/logger.js';
import type { Administration } from '../../src/services/administration.js';
import { adminSettings } from './admin-cli.js';
import { TEST_KEY_ENCRYPTION_KEY, type TestApp } from './test-app.js';

export interface OpenAdministration {
  readonly admin: Administration;
  close(): Promise<void>;
}

/**
 * What `npm run admin` runs (scripts/admin.ts: the core's Administration), built in this
 * process beside a running test app, with the settings admin() gives the CLI and the app's clock.
 * For a test that must act within milliseconds: a CLI process needs about a second to start.
 */
export async function openAdministration(app: TestApp): Promise<OpenAdministration> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY, ...adminSettings(app) });
  const closers: Array<() => Promise<unknown>> = [];
  const core = await openCore(config, { logger: createLogger('silent'), clock: app.clock, embedded: 'attach', closers });
  return {
    admin: core.administration,
    close: async () => {
      for (const closer of closers.reverse()) await closer();
    },
  };
}
