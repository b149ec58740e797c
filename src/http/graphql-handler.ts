import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, type BaseContext, HeaderMap } from '@apollo/server';
import type { RequestFacts } from '../graphql/context/build-context.js';
import { clientInfoOf } from './client-info.js';
import { readBody, sendJson } from './respond.js';

/**
 * Apollo Server on plain node:http through its integration API (executeHTTPGraphQLRequest):
 * no web framework on the hot path. Each request's context is built from its headers, read once
 * into Apollo's HeaderMap.
 */
export function createGraphQLHandler<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  contextFor: (request: RequestFacts) => Promise<TContext>,
  options: { maxBodyBytes: number; trustedProxies: number },
) {
  return async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
    const body = await readBody(request, options.maxBodyBytes);
    if (body.kind === 'too-large') return sendJson(response, 413, graphQLError('Request body is too large.'));
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let parsedBody: unknown = body.text;
    if (headers.get('content-type')?.toLowerCase().includes('application/json') && body.text !== '') {
      try {
        parsedBody = JSON.parse(body.text);
      } catch {
        return sendJson(response, 400, graphQLError('Request body is not valid JSON.'));
      }
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method ?? 'GET', headers, search: url.search, body: parsedBody },
      context: () => contextFor({ authorization: headers.get('authorization'), client: clientInfoOf(headers, request.socket.remoteAddress, options.trustedProxies) }),
    });
    response.statusCode = result.status ?? 200;
    for (const [name, value] of result.headers) response.setHeader(name, value);
    if (result.body.kind === 'complete') {
      response.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  };
}

function graphQLError(message: string) {
  return { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] };
}
