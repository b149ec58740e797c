import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/config.js';
import { createContextBuilder } from '../graphql/context/build-context.js';
import { startGraphQLServer } from '../graphql/server.js';
import { createGraphQLHandler } from '../http/graphql-handler.js';
import { checkReadiness } from '../http/readiness.js';
import { builtExplorerDirectory } from '../http/explorer/explorer-files.js';
import { ExplorerPages } from '../http/explorer/explorer-pages.js';
import { createHttpServer, type GatewayHttpServer } from '../http/server.js';
import { type Clock, systemClock } from '../infra/clock.js';
import type { Logger } from '../infra/logger.js';
import { createMetrics } from '../infra/metrics.js';
import { combinedListener } from '../stores/change-feed.js';
import type { SessionStore } from '../stores/session-store.js';
import { type Core, openCore } from './core.js';

export interface Gateway {
  /** Base URL, e.g. http://127.0.0.1:4000 */
  readonly url: string;
  readonly sessionStore: SessionStore['kind'];
  close(): Promise<void>;
}

// Large enough that an oversized field (a 1 MB password) reaches validation and gets a
// BAD_USER_INPUT naming it; anything bigger is refused before it is read.
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** How long a shutdown waits for the requests in flight. */
export const DRAIN_BOUND_MS = 10_000;

/** How often events older than AUDIT_RETENTION, sent mails and expired one-time tokens are deleted. */
const PRUNE_MS = 60 * 60_000;
/** Sent mails are kept this long (without their bodies, once sent over SMTP); expired tokens, a day. */
const SENT_MAIL_RETENTION_MS = 7 * 24 * 60 * 60_000;
const EXPIRED_TOKEN_RETENTION_MS = 24 * 60 * 60_000;
/** The newest mails GET /dev/mailbox shows. */
const MAILBOX_SIZE = 50;

/**
 * One gateway: the core's stores and services, the change feeds started, and the HTTP server.
 * Returns a handle that stops it all in reverse order. On a failed start, whatever did start is
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
    const core = await openCore(config, {
      logger,
      clock,
      embedded: 'own',
      closers,
      observeEvent: (type, facts) => metrics.authEvents.inc({ event: type, provider: String(facts.detail?.provider ?? '') }),
      observeMail: {
        sent: (purpose) => metrics.mailSent.inc({ purpose }),
        failed: (purpose, permanent) => metrics.mailFailed.inc({ purpose, permanent: String(permanent) }),
      },
    });
    closers.push(keepPruned(core, config.auditRetentionMs, clock, logger));
    startFeeds(core, closers);
    const sender = core.mailSender;
    if (sender) {
      sender.start();
      closers.push(() => sender.close());
      metrics.watchMailQueue(() => sender.stats());
    }

    // Apollo's drain (at stop) waits for the HTTP server's requests; the server exists by then.
    const http: { server?: GatewayHttpServer } = {};
    const apollo = await startGraphQLServer(core, { config, logger, metrics, drain: () => http.server?.drain(DRAIN_BOUND_MS) ?? Promise.resolve() });
    closers.push(() => apollo.stop());
    const graphql = createGraphQLHandler(apollo, createContextBuilder(core.loginCheck), { maxBodyBytes: MAX_BODY_BYTES, trustedProxies: config.trustedProxies });
    const hasMailbox = !config.isProduction && config.mail.smtpUrl === null;
    const httpServer = createHttpServer(
      {
        graphql,
        jwks: () => core.accessTokens.jwks(),
        metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
        readiness: () => checkReadiness({ database: () => core.orm.em.getConnection().execute('select 1'), ...(core.redis && { redis: () => core.redis!.ping() }) }),
        mailbox: hasMailbox ? () => core.outboxQueue.recentlyDelivered(MAILBOX_SIZE) : null,
        explorer: config.explorer === 'auto' || config.explorer === 'bundled' ? new ExplorerPages(config.explorer, builtExplorerDirectory(), hasMailbox ? '/dev/mailbox' : null) : null,
      },
      { corsOrigins: config.corsOrigins, log: logger, workerHeader: !config.isProduction },
    );
    http.server = httpServer;
    await listen(httpServer, config);
    const { port } = httpServer.address() as AddressInfo;
    logger.info(
      `auth gateway listening on http://${config.host}:${port}/graphql — mode: ${config.nodeEnv}; database: ${config.databaseUrl ? 'PostgreSQL at DATABASE_URL' : `embedded PostgreSQL in ${config.dataDir}`}; sessions: ${sessionBackend(config)}`,
    );
    if (config.nodeEnvDefaulted) {
      logger.warn('NODE_ENV is not set: running in DEVELOPMENT mode (stack traces in errors, introspection, Sandbox). Set NODE_ENV=production for anything but local development.');
    }
    return { url: `http://${config.host}:${port}`, sessionStore: core.sessionStore.kind, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Each change feed reports to what keeps copies: live sessions, and (from the database) profiles and signing keys. */
function startFeeds(core: Core, closers: Array<() => Promise<unknown>>): void {
  for (const [name, feed] of core.feeds) {
    const databaseParts = name === 'postgres' ? [core.profiles.changeListener(), { keysChanged: () => core.keyring.reloadSoon() }] : [];
    feed.start(combinedListener(core.sessions.changeListener(name), ...databaseParts));
    closers.push(() => feed.close());
  }
}

function listen(server: GatewayHttpServer, config: Config): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
}

/** Deletes expired audit events, old sent mails and expired tokens now and hourly; returns the closer that stops it. */
function keepPruned(core: Core, retentionMs: number, clock: Clock, logger: Logger): () => Promise<void> {
  let pruning: Promise<unknown> = Promise.resolve();
  const prune = () => {
    const now = clock.now();
    // One after the other: a pass takes one pooled connection, not three.
    pruning = (async () => {
      await core.auditTrail.prune(new Date(now - retentionMs));
      await core.outboxQueue.prune(new Date(Date.now() - SENT_MAIL_RETENTION_MS));
      await core.accounts.tokens().prune(new Date(now - EXPIRED_TOKEN_RETENTION_MS));
    })().catch((error: unknown) => logger.warn({ err: error }, 'pruning failed; it is tried again within the hour'));
  };
  prune();
  const timer = setInterval(prune, PRUNE_MS);
  timer.unref();
  // The database closes after this: a pass under way finishes first (a pool closed under a
  // query still connecting would wait for ever).
  return async () => {
    clearInterval(timer);
    await pruning;
  };
}

function sessionBackend(config: Config): string {
  if (config.redis === null) return 'PostgreSQL (no REDIS_URL)';
  return config.redis.kind === 'server' ? 'Redis at REDIS_URL' : 'Redis Cluster at REDIS_CLUSTER_NODES';
}
