import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisLocation } from '../config/config.js';

/** One Redis server or a Redis Cluster; both run the same commands and scripts. */
export type RedisClient = Redis | Cluster;

// Fail fast: no offline queue and one retry per command, so a request answers SERVICE_UNAVAILABLE
// within about a second instead of waiting on a dead server; reconnection happens by itself.
const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 1_000,
  commandTimeout: 1_000,
};

const backoff = (attempt: number) => Math.min(attempt * 100, 1_000);

// Commands issued in the same tick (by concurrent requests) go out in one write: on loopback a
// socket write costs more CPU than most of the work a command asks for (bench profile, 2026-12-07).
// A batch is sent once the one before it has its answers, so a command can wait for the batch
// ahead and then for its own: half a second each keeps a frozen Redis's answer within a second.
const COMMANDS: RedisOptions = { ...FAIL_FAST, commandTimeout: 500 };

export async function connectRedis(location: RedisLocation): Promise<RedisClient> {
  const client =
    location.kind === 'server'
      ? new Redis(location.url, { ...COMMANDS, enableAutoPipelining: true, lazyConnect: true, retryStrategy: backoff })
      : new Cluster(
          location.nodes.map((node) => ({ host: node.host, port: node.port })),
          { enableAutoPipelining: true, lazyConnect: true, enableOfflineQueue: false, clusterRetryStrategy: backoff, redisOptions: COMMANDS },
        );
  // Errors reach the callers of each command; without a listener ioredis would log to stderr.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/**
 * A plain connection for subscribing, to the server or to one cluster node at a time (a cluster
 * delivers every PUBLISH to every node). `attempt` picks the node, so a reconnect moves on to the
 * next seed when one is gone. It does not reconnect by itself: the caller decides when.
 */
export function subscriberConnection(location: RedisLocation, attempt: number): Redis {
  const options: RedisOptions = { ...FAIL_FAST, lazyConnect: true, retryStrategy: () => null, autoResubscribe: false };
  const client =
    location.kind === 'server'
      ? new Redis(location.url, options)
      : new Redis({ ...options, ...location.nodes[attempt % location.nodes.length]! });
  client.on('error', () => undefined);
  return client;
}

/** Closes politely when Redis answers, and at once when it does not (quit would wait on a dead server). */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.status === 'ready') {
    await client.quit().catch(() => undefined);
  }
  client.disconnect();
}
