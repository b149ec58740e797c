import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource, type SupergraphManager } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { type GraphQLResponse, postGraphQL } from './graphql-client.js';
import { SILENT_LOGGER } from './profile-subgraph.js';
import { type JwtSettings, requiresScopesPlugin, scopeRequirements } from './router-scopes.js';

interface RouterContext {
  authorization?: string;
}

export interface Router {
  readonly url: string;
  /** The supergraph as composed from the subgraphs, unmodified (what Apollo Router would load). */
  readonly supergraphSdl: string;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

/**
 * @apollo/gateway refuses a supergraph that links a `for: SECURITY` feature it cannot enforce
 * (`@authenticated`, `@requiresScopes`: Apollo Router only), failing closed. A stand-in that
 * enforces `@requiresScopes` itself (requiresScopesPlugin) serves the gateway a copy without that
 * purpose; `@authenticated` is then carried but left to our subgraph, which checks every request.
 */
function withoutSecurityPurpose(supergraphSdl: string): string {
  return supergraphSdl.replace(/(@link\(url: "[^"]+"), for: SECURITY\)/g, '$1)');
}

/** IntrospectAndCompose, keeping the composed supergraph and handing the gateway `served(sdl)`. */
function introspectAndCompose(subgraphs: Array<{ name: string; url: string }>, composed: { sdl: string }, served: (sdl: string) => string): SupergraphManager {
  const inner = new IntrospectAndCompose({ subgraphs, logger: SILENT_LOGGER });
  return {
    async initialize(options) {
      const result = await inner.initialize({
        ...options,
        update: (sdl) => {
          composed.sdl = sdl;
          options.update(served(sdl));
        },
      });
      composed.sdl = result.supergraphSdl;
      return { ...result, supergraphSdl: served(result.supergraphSdl) };
    },
  };
}

/**
 * A router stand-in: @apollo/gateway composing the given subgraphs by introspection, served by its
 * own Apollo Server on a free loopback port, forwarding the client's Authorization header to
 * every subgraph (what Apollo Router does with `headers: propagate`). It composes the subgraphs'
 * SDL unmodified; with `enforceScopes` it verifies the bearer token against the gateway's JWKS
 * and enforces `@requiresScopes` itself.
 */
export async function startRouter(subgraphs: Array<{ name: string; url: string }>, options: { enforceScopes?: JwtSettings } = {}): Promise<Router> {
  const composed = { sdl: '' };
  const gateway = new ApolloGateway({
    supergraphSdl: introspectAndCompose(subgraphs, composed, options.enforceScopes ? withoutSecurityPurpose : (sdl) => sdl),
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<RouterContext>({
        url,
        willSendRequest({ request, context }) {
          const { authorization } = context as RouterContext;
          if (authorization) request.http?.headers.set('authorization', authorization);
        },
      }),
    logger: SILENT_LOGGER,
  });
  // The gateway's interface package is a major behind the server's; the shapes agree.
  const plugins = options.enforceScopes ? [requiresScopesPlugin(() => scopeRequirements(composed.sdl), options.enforceScopes)] : [];
  const server = new ApolloServer<RouterContext>({ gateway: gateway, logger: SILENT_LOGGER, plugins });
  let url: string;
  try {
    ({ url } = await startStandaloneServer(server, {
      listen: { host: '127.0.0.1', port: 0 },
      context: async ({ req }) => (req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    }));
  } catch (error) {
    await gateway.stop();
    throw error;
  }
  return {
    url,
    get supergraphSdl() {
      return composed.sdl;
    },
    gql: (query, variables, headers) => postGraphQL(url, query, variables, headers),
    stop: async () => {
      await server.stop();
      await gateway.stop();
    },
  };
}
