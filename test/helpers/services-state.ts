import type { EmbeddedDatabase } from '../../src/infra/embedded-postgres.js';
import type { RedisServer } from './redis-server.js';

interface Services {
  postgres: EmbeddedDatabase;
  redis: RedisServer;
  dataDir: string;
}

// jest runs globalSetup and globalTeardown in the same process: hand the handles over on globalThis.
const KEY = Symbol.for('auth-gateway.test-services');

export function setServices(services: Services): void {
  (globalThis as Record<symbol, unknown>)[KEY] = services;
}

export function takeServices(): Services | undefined {
  return (globalThis as Record<symbol, unknown>)[KEY] as Services | undefined;
}
