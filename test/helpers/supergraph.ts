import { type RunningServer, startProfileSubgraph } from './profile-subgraph.js';
import { type Router, startRouter } from './router.js';
import { createTestApp, type TestApp } from './test-app.js';

/**
 * For a test file: our gateway as the "auth" subgraph, next to the small "profiles" subgraph,
 * composed by @apollo/gateway and served by a router stand-in that forwards the Authorization
 * header. By default the gateway runs with FEDERATION_AUTH_DIRECTIVES=false, and @apollo/gateway
 * composes its SDL as it is. With `enforceScopes`, the gateway keeps its directives, the profiles
 * subgraph demands the mfa scope on a field, and the router verifies our tokens through JWKS and
 * enforces `@requiresScopes` itself. Started in beforeAll, stopped in afterAll (also after a failed start).
 */
export function useSupergraph(options: { enforceScopes?: boolean } = {}): { readonly app: TestApp; readonly router: Router } {
  let app: TestApp | undefined;
  let profiles: RunningServer | undefined;
  let router: Router | undefined;

  async function stopAll(): Promise<void> {
    const [r, p, a] = [router, profiles, app];
    router = profiles = app = undefined;
    await r?.stop();
    await p?.stop();
    await a?.close();
  }

  beforeAll(async () => {
    try {
      const gateway = await createTestApp(options.enforceScopes ? {} : { FEDERATION_AUTH_DIRECTIVES: 'false' });
      app = gateway;
      profiles = await startProfileSubgraph({ mfaField: options.enforceScopes });
      const enforceScopes = options.enforceScopes
        ? { jwksUrl: `${gateway.url}/.well-known/jwks.json`, issuer: 'auth-gateway', audience: 'graphql', now: () => gateway.clock.now() }
        : undefined;
      router = await startRouter(
        [
          { name: 'auth', url: `${gateway.url}/graphql` },
          { name: 'profiles', url: profiles.url },
        ],
        { enforceScopes },
      );
    } catch (error) {
      await stopAll();
      throw error;
    }
  });
  afterAll(() => stopAll());

  return {
    get app() {
      if (!app) throw new Error('useSupergraph: the gateway starts in beforeAll');
      return app;
    },
    get router() {
      if (!router) throw new Error('useSupergraph: the router starts in beforeAll');
      return router;
    },
  };
}
