import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { Config } from './config/config.js';
import { createFormatError } from './errors/format-error.js';
import { createContextBuilder } from './graphql/context/build-context.js';
import type { GatewayContext } from './graphql/context/context.js';
import { SANDBOX_EXAMPLE } from './graphql/sandbox-example.js';
import { metricsPlugin } from './graphql/metrics-plugin.js';
import { shapeLimits } from './graphql/shape-limits.js';
import { AccountResolver } from './graphql/resolvers/AccountResolver.js';
import { OAuthResolver } from './graphql/resolvers/OAuthResolver.js';
import { SessionResolver } from './graphql/resolvers/SessionResolver.js';
import { buildGatewaySchema, type ResolverContext } from './graphql/schema.js';
import { clientInfoOf } from './http/client-info.js';
import { createGraphQLHandler } from './http/graphql-handler.js';
import { createHttpServer } from './http/server.js';
import { type Clock, systemClock } from './infra/clock.js';
import { startEmbeddedPostgres } from './infra/embedded-postgres.js';
import type { Logger } from './infra/logger.js';
import { createMetrics } from './infra/metrics.js';
import { openDatabase } from './infra/orm.js';
import { closeRedis, connectRedis } from './infra/redis.js';
import { AccessTokens } from './services/access-tokens.js';
import { configuredProviders } from './oauth/index.js';
import { OAuthLogin } from './services/oauth-login.js';
import { PasswordAuth } from './services/password-auth.js';
import { RateLimits } from './services/rate-limits.js';
import { Passwords } from './services/passwords.js';
import { Sessions } from './services/sessions.js';
import { SigningKeyring } from './services/signing-keyring.js';
import { type OAuthStateStore, PostgresOAuthStateStore, RedisOAuthStateStore } from './stores/oauth-state-store.js';
import { PostgresRevocationFeed } from './stores/postgres-revocation-feed.js';
import { PostgresSessionStore } from './stores/postgres-session-store.js';
import { RateLimitCounters } from './stores/rate-limit-counters.js';
import { RedisRevocationFeed } from './stores/redis-revocation-feed.js';
import { RedisSessionStore } from './stores/redis-session-store.js';
import type { RevocationFeed } from './stores/revocation-feed.js';
import type { SessionStore } from './stores/session-store.js';
import { SigningKeyStore } from './stores/signing-key-store.js';
import { checkReadiness } from './http/readiness.js';

export interface Gateway {
  /** Base URL, e.g. http://127.0.0.1:4000 */
  readonly url: string;
  readonly sessionStore: SessionStore['kind'];
  close(): Promise<void>;
}

// Large enough that an oversized field (a 1 MB password) reaches validation and gets a
// BAD_USER_INPUT naming it; anything bigger is refused before it is read.
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * Composition root: builds every long-lived object from the config, starts the HTTP server and
 * returns a handle that stops it all in reverse order. On a failed start, whatever did start is
 * stopped again, so nothing is left holding a port, a pool or a database.
 */
export async function startGateway(config: Config, options: { logger: Logger; clock?: Clock }): Promise<Gateway> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch((error: unknown) => logger.warn({ err: error }, 'shutdown step failed'));
  };
  try {
    let databaseUrl = config.databaseUrl;
    if (databaseUrl === null) {
      const embedded = await startEmbeddedPostgres(config.dataDir, (line) => logger.warn(line));
      closers.push(() => embedded.stop());
      databaseUrl = embedded.url;
    }
    const orm = await openDatabase(databaseUrl);
    closers.push(() => orm.close(true));
    const redis = config.redis === null ? null : await connectRedis(config.redis);
    if (redis) closers.push(() => closeRedis(redis));
    const redisStore = redis && new RedisSessionStore(redis, config.redisKeyPrefix);
    const sessionStore: SessionStore = redisStore ?? new PostgresSessionStore(orm);
    // Revocations reach this instance from the database (deleted sessions and users) and, with
    // sessions in Redis, from the Redis store's announcements.
    const feeds = new Map<string, RevocationFeed>([['postgres', new PostgresRevocationFeed(databaseUrl, logger)]]);
    if (redisStore) feeds.set('redis', new RedisRevocationFeed(config.redis!, redisStore.revocationChannel, logger));

    const keyring = await SigningKeyring.open(new SigningKeyStore(orm), config.jwtPrivateKeyPem, config, clock);
    closers.push(async () => keyring.close());
    const accessTokens = new AccessTokens(keyring, config, clock);
    const sessions = new Sessions(sessionStore, accessTokens, config, clock, [...feeds.keys()]);
    for (const [name, feed] of feeds) {
      feed.start({ ...sessions.revocationListener(name), keysChanged: () => keyring.reloadSoon() });
      closers.push(() => feed.close());
    }
    const counters = redis ? RateLimitCounters.inRedis(redis, config.redisKeyPrefix) : RateLimitCounters.inPostgres(databaseUrl);
    closers.push(() => counters.close());
    const limits = new RateLimits(counters, config.rateLimits);
    const passwordAuth = new PasswordAuth(new Passwords(config.bcryptCost), sessions, limits, clock);
    const oauthStates: OAuthStateStore = redis ? new RedisOAuthStateStore(redis, config.redisKeyPrefix) : new PostgresOAuthStateStore(orm);
    const oauthLogin = new OAuthLogin(configuredProviders(config.oauth), oauthStates, sessions, limits, config.oauth, clock);
    const resolverInstances = new Map<unknown, unknown>([
      [AccountResolver, new AccountResolver(passwordAuth)],
      [OAuthResolver, new OAuthResolver(oauthLogin)],
      [SessionResolver, new SessionResolver(sessions, limits)],
    ]);
    const resolvers = { get: (resolverClass: unknown) => resolverInstances.get(resolverClass) };

    const buildContext = createContextBuilder({ accessTokens, sessions, orm });
    let httpServer: ReturnType<typeof createHttpServer> | undefined;
    const limitsOnShape = shapeLimits({ production: config.isProduction });
    const metrics = createMetrics();
    const apollo = new ApolloServer<GatewayContext & ResolverContext>({
      schema: await buildGatewaySchema(),
      logger,
      validationRules: limitsOnShape.validationRules,
      parseOptions: limitsOnShape.parseOptions,
      // Batched HTTP requests (a JSON array body) stay off: one operation per request.
      allowBatchedHttpRequests: false,
      hideSchemaDetailsFromClientErrors: config.isProduction,
      // main.ts owns the signals: it stops the whole gateway, not only Apollo.
      stopOnTerminationSignals: false,
      introspection: config.introspection,
      includeStacktraceInErrorResponses: config.isDevelopment,
      formatError: createFormatError({ exposeInternals: config.isDevelopment, log: logger }),
      plugins: [
        ...limitsOnShape.plugins,
        metricsPlugin(metrics),
        config.isProduction
          ? ApolloServerPluginLandingPageDisabled()
          : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false, document: SANDBOX_EXAMPLE }),
        { serverWillStart: async () => ({ drainServer: async () => httpServer && (await drain(httpServer)) }) },
      ],
    });
    await apollo.start();
    closers.push(() => apollo.stop());

    const graphql = createGraphQLHandler(
      apollo,
      async (request) => ({
        ...(await buildContext({ authorization: request.headers.authorization, client: clientInfoOf(request, config.trustProxy) })),
        resolvers,
      }),
      MAX_BODY_BYTES,
    );
    httpServer = createHttpServer(
      {
        graphql,
        jwks: () => accessTokens.jwks(),
        metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
        readiness: () => checkReadiness({ database: () => orm.em.getConnection().execute('select 1'), ...(redis && { redis: () => redis.ping() }) }),
      },
      { corsOrigins: config.corsOrigins, log: logger },
    );
    await new Promise<void>((resolve, reject) => {
      httpServer!.once('error', reject);
      httpServer!.listen(config.port, config.host, resolve);
    });
    const { port } = httpServer.address() as AddressInfo;
    logger.info(
      `auth gateway listening on http://${config.host}:${port}/graphql — database: ${config.databaseUrl ? 'PostgreSQL at DATABASE_URL' : `embedded PostgreSQL in ${config.dataDir}`}; sessions: ${sessionBackend(config)}`,
    );
    return { url: `http://${config.host}:${port}`, sessionStore: sessionStore.kind, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Stops accepting connections and waits (bounded) for in-flight requests. */
async function drain(server: ReturnType<typeof createHttpServer>): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timeout = setTimeout(() => server.closeAllConnections(), 10_000);
  await closed;
  clearTimeout(timeout);
}

function sessionBackend(config: Config): string {
  if (config.redis === null) return 'PostgreSQL (no REDIS_URL)';
  return config.redis.kind === 'server' ? 'Redis at REDIS_URL' : 'Redis Cluster at REDIS_CLUSTER_NODES';
}
