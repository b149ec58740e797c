import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';

/**
 * CORS for /graphql (the `cors` package: preflight, Vary and header lists done right). Only the
 * configured origins are allowed; no cookies are involved, so credentials stay off. Resolves true
 * when it answered the request itself (a preflight).
 */
export function createCors(allowedOrigins: readonly string[]) {
  const middleware = cors({
    origin: (origin, allow) => allow(null, origin !== undefined && allowedOrigins.includes(origin)),
    methods: ['GET', 'POST'],
    // What Apollo clients and Sandbox send; apollo-require-preflight satisfies CSRF prevention.
    allowedHeaders: ['content-type', 'authorization', 'apollo-require-preflight', 'x-apollo-operation-name', 'apollographql-client-name', 'apollographql-client-version', 'x-request-id'],
    exposedHeaders: ['x-request-id'],
    maxAge: 600,
  });
  return (request: IncomingMessage, response: ServerResponse): Promise<boolean> =>
    new Promise((resolve, reject) => {
      middleware(request, response, (error?: unknown) => (error ? reject(error instanceof Error ? error : new Error('CORS middleware failed', { cause: error })) : resolve(false)));
      // A preflight is answered (204) without calling on.
      if (request.method === 'OPTIONS') resolve(true);
    });
}
