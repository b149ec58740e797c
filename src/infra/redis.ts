import { Redis } from 'ioredis';

export type { Redis };

/**
 * A Redis client that fails fast: no offline queue and one retry per command, so a request
 * answers SERVICE_UNAVAILABLE within about a second instead of waiting on a dead server, and
 * reconnects by itself when Redis returns.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
    commandTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  });
  // Errors reach the callers of each command; without a listener ioredis would log to stderr.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Closes politely when Redis answers, and at once when it does not (quit would wait on a dead server). */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    await client.quit().catch(() => undefined);
  }
  client.disconnect();
}
