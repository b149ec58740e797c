import { rm } from 'node:fs/promises';
import { takeServices } from './services-state';

export default async function globalTeardown(): Promise<void> {
  const services = takeServices();
  if (!services) return;
  await services.redis.stop();
  await services.postgres.stop();
  await rm(services.dataDir, { recursive: true, force: true });
}
