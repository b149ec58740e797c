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
import type { Logger } from './infra/logger.js';
import { createMetrics } from './infra/metrics.js';
import { configuredProviders } from './oauth/index.js';
import { OAuthLogin } from './services/oauth-login.js';
import { DeviceTokens } from './services/device-tokens.js';
import { PasswordAuth } from './services/password-auth.js';
import { TokenRefresh } from './services/token-refresh.js';
import { RateLimits } from './services/rate-limits.js';
import { Passwords } from './services/passwords.js';
import { UserProfiles } from './services/user-profiles.js';
import type { AuditTrail } from './stores/audit-trail.js';
import { type OAuthStateStore, PostgresOAuthStateStore, RedisOAuthStateStore } from './stores/oauth-state-store.js';
import { RateLimitCounters } from './stores/rate-limit-counters.js';
import { combinedListener } from './stores/revocation-feed.js';
import type { SessionStore } from './stores/session-store.js';
import { openCore } from './core.js';
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
    const metrics = createMetrics();
    const { databaseUrl, orm, redis, sessionStore, feeds, sealer, keyring, accessTokens, auditTrail, events, sessions, users } = await openCore(config, {
      logger,
      clock,
      embedded: 'own',
      closers,
      observeEvent: (type, facts) => metrics.authEvents.inc({ event: type, provider: String(facts.detail?.provider ?? '') }),
    });
    closers.push(keepPruned(auditTrail, config.auditRetentionMs, clock, logger));
    const profiles = new UserProfiles(users, clock, 'postgres');
    for (const [name, feed] of feeds) {
      const databaseParts = name === 'postgres' ? [profiles.changeListener(), { keysChanged: () => keyring.reloadSoon() }] : [];
      feed.start(combinedListener(sessions.revocationListener(name), ...databaseParts));
      closers.push(() => feed.close());
    }
    const counters = redis ? RateLimitCounters.inRedis(redis, config.redisKeyPrefix, clock) : RateLimitCounters.inPostgres(databaseUrl, clock);
    closers.push(() => counters.close());
    const limits = new RateLimits(counters, config.rateLimits);
    const deviceTokens = new DeviceTokens(sealer.derive('device tokens'), clock);
    const passwordAuth = new PasswordAuth(new Passwords(config.bcryptCost), sessions, limits, events, deviceTokens, clock);
    const oauthStates: OAuthStateStore = redis ? new RedisOAuthStateStore(redis, config.redisKeyPrefix) : new PostgresOAuthStateStore(orm);
    const oauthLogin = new OAuthLogin(configuredProviders(config.oauth), oauthStates, sessions, limits, events, config.oauth, clock);
    const resolverInstances = new Map<unknown, unknown>([
      [AccountResolver, new AccountResolver(passwordAuth)],
      [OAuthResolver, new OAuthResolver(oauthLogin)],
      [SessionResolver, new SessionResolver(sessions, new TokenRefresh(sessions, profiles, limits), limits, events)],
    ]);
    const resolvers = { get: (resolverClass: unknown) => resolverInstances.get(resolverClass) };

    const buildContext = createContextBuilder({ accessTokens, sessions, profiles, users });
    let httpServer: ReturnType<typeof createHttpServer> | undefined;
    const limitsOnShape = shapeLimits({ production: config.isProduction });
    const apollo = new ApolloServer<GatewayContext & ResolverContext>({
      schema: await buildGatewaySchema({ maxRepresentations: config.maxEntityRepresentations }),
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
        { serverWillStart: async () => ({ drainServer: async () => httpServer && (await httpServer.drain(DRAIN_BOUND_MS)) }) },
      ],
    });
    await apollo.start();
    closers.push(() => apollo.stop());

    const graphql = createGraphQLHandler(
      apollo,
      async (request) =>
        // Assigned, not spread: a spread would drop the context's prototype, and with it the lazy `users`.
        Object.assign(await buildContext({ authorization: request.headers.authorization, client: clientInfoOf(request, config.trustedProxies) }), { resolvers }),
      MAX_BODY_BYTES,
    );
    httpServer = createHttpServer(
      {
        graphql,
        jwks: () => accessTokens.jwks(),
        metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
        readiness: () => checkReadiness({ database: () => orm.em.getConnection().execute('select 1'), ...(redis && { redis: () => redis.ping() }) }),
      },
      { corsOrigins: config.corsOrigins, log: logger, workerHeader: !config.isProduction },
    );
    await new Promise<void>((resolve, reject) => {
      httpServer!.once('error', reject);
      httpServer!.listen(config.port, config.host, resolve);
    });
    const { port } = httpServer.address() as AddressInfo;
    logger.info(
      `auth gateway listening on http://${config.host}:${port}/graphql — mode: ${config.nodeEnv}; database: ${config.databaseUrl ? 'PostgreSQL at DATABASE_URL' : `embedded PostgreSQL in ${config.dataDir}`}; sessions: ${sessionBackend(config)}`,
    );
    if (config.nodeEnvDefaulted) {
      logger.warn('NODE_ENV is not set: running in DEVELOPMENT mode (stack traces in errors, introspection, Sandbox). Set NODE_ENV=production for anything but local development.');
    }
    return { url: `http://${config.host}:${port}`, sessionStore: sessionStore.kind, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** How long a shutdown waits for the requests in flight. */
export const DRAIN_BOUND_MS = 10_000;

/** How often events older than AUDIT_RETENTION are deleted. */
const AUDIT_PRUNE_MS = 60 * 60_000;

/** Deletes expired audit events now and hourly; returns the closer that stops it. */
function keepPruned(trail: AuditTrail, retentionMs: number, clock: Clock, logger: Logger): () => Promise<void> {
  const prune = () =>
    trail.prune(new Date(clock.now() - retentionMs)).catch((error: unknown) => logger.warn({ err: error }, 'audit trail: pruning failed; it is tried again within the hour'));
  void prune();
  const timer = setInterval(prune, AUDIT_PRUNE_MS);
  timer.unref();
  return async () => clearInterval(timer);
}

function sessionBackend(config: Config): string {
  if (config.redis === null) return 'PostgreSQL (no REDIS_URL)';
  return config.redis.kind === 'server' ? 'Redis at REDIS_URL' : 'Redis Cluster at REDIS_CLUSTER_NODES';
}
