import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { Config } from '../config/config.js';
import { createFormatError } from '../errors/format-error.js';
import type { Logger } from '../infra/logger.js';
import type { Metrics } from '../infra/metrics.js';
import type { GatewayContext } from './context/context.js';
import { metricsPlugin } from './metrics-plugin.js';
import { SANDBOX_EXAMPLE } from './sandbox-example.js';
import { type ApiServices, buildGatewaySchema } from './schema.js';
import { shapeLimits } from './shape-limits.js';

export interface GraphQLServerOptions {
  config: Pick<Config, 'isProduction' | 'isDevelopment' | 'introspection' | 'maxEntityRepresentations' | 'federationAuthDirectives' | 'explorer'>;
  logger: Logger;
  metrics: Metrics;
  /** Waits for the HTTP requests in flight, when Apollo stops. */
  drain: () => Promise<void>;
}

/** Apollo Server over the subgraph schema, with the shape limits, masking and landing page the mode asks for. Started. */
export async function startGraphQLServer(services: ApiServices, options: GraphQLServerOptions): Promise<ApolloServer<GatewayContext>> {
  const { config, logger } = options;
  const limitsOnShape = shapeLimits({ production: config.isProduction });
  const apollo = new ApolloServer<GatewayContext>({
    schema: await buildGatewaySchema(services, { maxRepresentations: config.maxEntityRepresentations, authDirectives: config.federationAuthDirectives }),
    logger,
    validationRules: limitsOnShape.validationRules,
    parseOptions: limitsOnShape.parseOptions,
    // Batched HTTP requests (a JSON array body) stay off: one operation per request.
    allowBatchedHttpRequests: false,
    hideSchemaDetailsFromClientErrors: config.isProduction,
    // The process owns the signals: it stops the whole gateway, not only Apollo.
    stopOnTerminationSignals: false,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: config.isDevelopment,
    formatError: createFormatError({ exposeInternals: config.isDevelopment, log: logger }),
    plugins: [
      ...limitsOnShape.plugins,
      metricsPlugin(options.metrics),
      // Nothing here may be cached (every answer is one caller's), and the default cache-control
      // plugin hooks every field of every response: about 5 % of a `me` request's CPU.
      ApolloServerPluginCacheControlDisabled(),
      // EXPLORER=sandbox: Apollo's own page. auto and bundled: the HTTP server answers the browser first (http/explorer).
      config.explorer === 'sandbox'
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false, document: SANDBOX_EXAMPLE })
        : ApolloServerPluginLandingPageDisabled(),
      { serverWillStart: async () => ({ drainServer: options.drain }) },
    ],
  });
  await apollo.start();
  return apollo;
}
