import type { Config } from './config/config.js';
import type { Clock } from './infra/clock.js';
import { attachEmbeddedPostgres, startEmbeddedPostgres } from './infra/embedded-postgres.js';
import { keyEncryptionKey } from './infra/key-encryption-key.js';
import { KeySealer } from './infra/key-sealer.js';
import type { Logger } from './infra/logger.js';
import { type MikroORM, openDatabase } from './infra/orm.js';
import { closeRedis, connectRedis, type RedisClient } from './infra/redis.js';
import { AccessTokens } from './services/access-tokens.js';
import { type AuthEventObserver, AuthEvents } from './services/auth-events.js';
import { Sessions } from './services/sessions.js';
import { SigningKeyring } from './services/signing-keyring.js';
import { AuditTrail } from './stores/audit-trail.js';
import { PostgresSessionStore } from './stores/postgres-session-store.js';
import { PostgresChangeFeed } from './stores/postgres-change-feed.js';
import { RedisChangeFeed } from './stores/redis-change-feed.js';
import { RedisSessionStore } from './stores/redis-session-store.js';
import type { ChangeFeed } from './stores/change-feed.js';
import type { SessionStore } from './stores/session-store.js';
import { SigningKeyStore } from './stores/signing-key-store.js';
import { UserRepository } from './stores/user-repository.js';

/** The stores and services the gateway and the admin commands share. */
export interface Core {
  databaseUrl: string;
  orm: MikroORM;
  redis: RedisClient | null;
  sessionStore: SessionStore;
  /** Change feeds by name, not started. */
  feeds: Map<string, ChangeFeed>;
  signingKeys: SigningKeyStore;
  /** Seals keys at rest and derives purpose-bound keys, under the key-encryption key. */
  sealer: KeySealer;
  keyring: SigningKeyring;
  accessTokens: AccessTokens;
  auditTrail: AuditTrail;
  events: AuthEvents;
  sessions: Sessions;
  /** A user repository on a fresh EntityManager. */
  users: () => UserRepository;
}

/**
 * Connects the stores named by the config and builds the core services. `closers` receives, in
 * start order, whatever must be stopped. The gateway owns an embedded PostgreSQL (`own`); an
 * admin command uses the one a running gateway owns, or starts it for itself (`attach`).
 */
export async function openCore(
  config: Config,
  options: { logger: Logger; clock: Clock; embedded: 'own' | 'attach'; closers: Array<() => Promise<unknown>>; observeEvent?: AuthEventObserver },
): Promise<Core> {
  const { logger, clock, closers } = options;
  let databaseUrl = config.databaseUrl;
  if (databaseUrl === null) {
    const open = options.embedded === 'own' ? startEmbeddedPostgres : attachEmbeddedPostgres;
    const embedded = await open(config.dataDir, (line) => logger.warn(line));
    closers.push(() => embedded.stop());
    databaseUrl = embedded.url;
  }
  const orm = await openDatabase(databaseUrl);
  closers.push(() => orm.close(true));
  const redis = config.redis === null ? null : await connectRedis(config.redis);
  if (redis) closers.push(() => closeRedis(redis));
  const redisStore = redis && new RedisSessionStore(redis, config.redisKeyPrefix);
  const sessionStore: SessionStore = redisStore ?? new PostgresSessionStore(orm);
  // Revocations reach an instance from the database (deleted sessions and users) and, with
  // sessions in Redis, from the Redis store's announcements.
  const feeds = new Map<string, ChangeFeed>([['postgres', new PostgresChangeFeed(databaseUrl, logger)]]);
  if (redisStore) feeds.set('redis', new RedisChangeFeed(config.redis!, redisStore.revocationChannel, logger));

  const kek = await keyEncryptionKey(config.keyEncryptionKey, config.dataDir);
  if (kek.generatedAt !== null && config.isProduction) {
    logger.warn(`KEY_ENCRYPTION_KEY is not set: signing keys are sealed with a key generated in ${kek.generatedAt}; keep it apart from database backups, and give every instance the same KEY_ENCRYPTION_KEY`);
  }
  const sealer = new KeySealer(kek.key);
  const signingKeys = new SigningKeyStore(orm, sealer);
  const keyring = await SigningKeyring.open(signingKeys, config.jwtPrivateKeyPem, config, clock);
  closers.push(async () => keyring.close());
  const accessTokens = new AccessTokens(keyring, config, clock);
  const auditTrail = new AuditTrail(orm, logger);
  closers.push(() => auditTrail.close());
  const events = new AuthEvents(auditTrail, logger, clock, options.observeEvent);
  const sessions = new Sessions(sessionStore, accessTokens, config, events, clock, [...feeds.keys()]);
  const users = () => new UserRepository(orm.em.fork());
  return { databaseUrl, orm, redis, sessionStore, feeds, signingKeys, sealer, keyring, accessTokens, auditTrail, events, sessions, users };
}
