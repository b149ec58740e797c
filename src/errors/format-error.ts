import { randomUUID } from 'node:crypto';
import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AuthError } from './auth-error.js';
import { ERROR_MESSAGES } from './codes.js';

export interface ErrorLog {
  error(details: object, message: string): void;
}

/** Apollo's own client-facing codes for malformed requests; safe to pass through unmasked. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * Lets AuthError and Apollo's request errors through and masks everything else as
 * INTERNAL_SERVER_ERROR with an id that is also logged: no stack, SQL or host:port reaches a
 * client outside development.
 */
export function createFormatError(options: { exposeInternals: boolean; log: ErrorLog }) {
  return (formatted: GraphQLFormattedError, raw: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(raw);
    if (original instanceof AuthError) {
      if (original.detail) options.log.error({ code: original.code, detail: original.detail }, 'request failed');
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { ...original.extensions } };
    }
    const code = formatted.extensions?.code;
    // A request-level error (no path): parse, validation or variable coercion, before any resolver.
    if (formatted.path === undefined && typeof code === 'string') {
      if (code === 'BAD_USER_INPUT') return variableError(formatted);
      if (REQUEST_ERROR_CODES.has(code)) return { message: formatted.message, locations: formatted.locations, extensions: { code } };
    }
    const errorId = randomUUID();
    options.log.error({ errorId, err: original }, 'internal error');
    if (options.exposeInternals) return { ...formatted, extensions: { ...formatted.extensions, code: 'INTERNAL_SERVER_ERROR', errorId } };
    return {
      message: ERROR_MESSAGES.INTERNAL_SERVER_ERROR,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR', errorId },
    };
  };
}

/** Apollo's variable-coercion messages quote the offending value (a password, say): never echo it. */
function variableError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const field = /at "([^"]+)"/.exec(formatted.message)?.[1] ?? /Variable "\$([^"]+)"/.exec(formatted.message)?.[1];
  return {
    message: ERROR_MESSAGES.BAD_USER_INPUT,
    locations: formatted.locations,
    extensions: field ? { code: 'BAD_USER_INPUT', field } : { code: 'BAD_USER_INPUT' },
  };
}
