import type { RedisLocation } from '../config/config.js';
import type { Logger } from '../infra/logger.js';
import { subscriberConnection } from '../infra/redis.js';
import { ListeningConnection } from './change-feed.js';

type Subscriber = ReturnType<typeof subscriberConnection>;

/**
 * Revocations announced by the Redis session store (PUBLISH inside its scripts), heard on one
 * subscriber connection. On a cluster any node hears every PUBLISH; each reconnect tries the next
 * seed node, so a node that is gone for good is left behind.
 */
export class RedisChangeFeed extends ListeningConnection<Subscriber> {
  constructor(private readonly location: RedisLocation, private readonly channel: string, logger: Logger) {
    super('redis', logger);
  }

  protected create(attempt: number, deliver: (message: string) => void): Subscriber {
    const connection = subscriberConnection(this.location, attempt);
    connection.on('message', (_channel: string, message: string) => deliver(message));
    connection.once('end', () => this.lost(connection));
    return connection;
  }

  protected async subscribe(connection: Subscriber): Promise<void> {
    await connection.connect();
    await connection.subscribe(this.channel);
  }

  protected probe(connection: Subscriber): Promise<unknown> {
    return connection.ping();
  }

  protected async dispose(connection: Subscriber): Promise<void> {
    connection.disconnect();
  }
}
