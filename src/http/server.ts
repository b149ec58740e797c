import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../infra/logger.js';
import { requestIdFrom, withRequestId } from '../infra/request-id.js';
import { createCors } from './cors.js';
import { type ExplorerPages, isExplorerRequest } from './explorer/explorer-pages.js';
import { sendJson } from './respond.js';

export interface Readiness {
  /** Names of the backing services that did not answer; empty when ready. */
  down: string[];
}

export interface HttpRoutes {
  graphql(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void>;
  jwks(): object;
  readiness(): Promise<Readiness>;
  /** Prometheus text exposition. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** GET /dev/mailbox: the mails kept instead of sent (development without SMTP_URL); null: no such page. */
  mailbox: (() => Promise<object[]>) | null;
  /** The browser page at GET /graphql and its files under /explorer/ (EXPLORER auto or bundled); null: none of ours. */
  explorer: ExplorerPages | null;
}

// Routers poll JWKS (Apollo Router every 60 s by default). A rotated-in key is published five
// minutes before it signs (services/signing-keyring.ts), so a minute of caching is always safe.
const JWKS_CACHE = 'public, max-age=60, stale-while-revalidate=60';

export interface GatewayHttpServer extends Server {
  /**
   * Stops accepting connections and waits for the requests in flight; after `boundMs` the
   * connections still open are cut.
   */
  drain(boundMs: number): Promise<void>;
}

/**
 * The one HTTP server: /graphql, /healthz, /readyz, /.well-known/jwks.json, /metrics, the
 * explorer's files under /explorer/ (outside production) and, in development without SMTP,
 * /dev/mailbox.
 * `workerHeader` (never in production) names the answering process in `x-gateway-worker`, so a
 * test can see that every worker serves.
 */
export function createHttpServer(routes: HttpRoutes, options: { corsOrigins: readonly string[]; log: Logger; workerHeader?: boolean }): GatewayHttpServer {
  const log = options.log;
  const worker = options.workerHeader ? String(process.pid) : null;
  const cors = createCors(options.corsOrigins);
  const inFlight = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    inFlight.add(response);
    response.once('close', () => inFlight.delete(response));
    const url = new URL(request.url ?? '/', 'http://gateway.invalid');
    const requestId = requestIdFrom(request.headers['x-request-id']);
    response.setHeader('x-request-id', requestId);
    if (worker) response.setHeader('x-gateway-worker', worker);
    void withRequestId(requestId, () =>
      route(routes, cors, request, response, url).catch((error: unknown) => {
        log.error({ err: error, path: url.pathname }, 'unhandled HTTP error');
        if (!response.headersSent) sendJson(response, 500, { error: 'internal server error' });
        else response.destroy();
      }),
    );
  });
  server.keepAliveTimeout = 65_000;
  const drain = async (boundMs: number) => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // close() ends only the idle keep-alive connections. A client that keeps sending would keep a
    // busy one open until the bound, so each response still to come closes its connection.
    for (const response of inFlight) {
      if (!response.headersSent) response.setHeader('connection', 'close');
      else response.once('close', () => server.closeIdleConnections());
    }
    const cut = setTimeout(() => server.closeAllConnections(), boundMs);
    await closed;
    clearTimeout(cut);
  };
  return Object.assign(server, { drain });
}

type Cors = ReturnType<typeof createCors>;

async function route(routes: HttpRoutes, cors: Cors, request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
  const method = request.method ?? 'GET';
  switch (url.pathname) {
    case '/graphql':
      if (routes.explorer && isExplorerRequest(request, url)) return routes.explorer.page(response, url);
      if (await cors(request, response)) return;
      return routes.graphql(request, response, url);
    case '/healthz':
      return sendJson(response, 200, { status: 'ok' });
    case '/readyz': {
      const { down } = await routes.readiness();
      return sendJson(response, down.length === 0 ? 200 : 503, down.length === 0 ? { status: 'ready' } : { status: 'unavailable', down });
    }
    case '/.well-known/jwks.json':
      if (method !== 'GET' && method !== 'HEAD') return sendJson(response, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
      return sendJson(response, 200, routes.jwks(), { 'cache-control': JWKS_CACHE });
    case '/metrics': {
      if (method !== 'GET') return sendJson(response, 405, { error: 'method not allowed' }, { allow: 'GET' });
      const { contentType, body } = await routes.metrics();
      response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
      return;
    }
    case '/dev/mailbox':
      if (!routes.mailbox) return sendJson(response, 404, { error: 'not found' });
      if (method !== 'GET') return sendJson(response, 405, { error: 'method not allowed' }, { allow: 'GET' });
      return sendJson(response, 200, await routes.mailbox(), { 'cache-control': 'no-store' });
    default:
      if (routes.explorer && url.pathname.startsWith('/explorer/') && method === 'GET') return routes.explorer.file(url.pathname.slice('/explorer/'.length), response);
      return sendJson(response, 404, { error: 'not found' });
  }
}
