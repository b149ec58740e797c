import { ConnectionException } from '@mikro-orm/core';
import { AuthError } from '../errors/auth-error.js';
import { scrubText } from '../infra/scrub.js';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', '57P01', '57P02', '57P03']);

/** True when an error says PostgreSQL could not be reached in time, rather than that a query was wrong. */
function isDatabaseOutage(error: unknown): boolean {
  if (error instanceof ConnectionException) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  const message = error instanceof Error ? error.message : '';
  return /timeout|Connection terminated|Client has encountered a connection error/i.test(message);
}

/**
 * Runs one store operation, turning an outage of its backing service into SERVICE_UNAVAILABLE
 * (the detail goes to the log, never to the client). Other errors pass unchanged.
 */
export async function whileAvailable<T>(store: string, operation: () => Promise<T>, isOutage: (error: unknown) => boolean = isDatabaseOutage): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof AuthError || !isOutage(error)) throw error;
    throw new AuthError('SERVICE_UNAVAILABLE', { detail: `${store}: ${scrubText((error as Error).message)}`, cause: error, store });
  }
}

/**
 * For stores whose every error means the backend cannot answer (Redis refused, timed out, not
 * connected; the rate-limit counters' stores): any failure is SERVICE_UNAVAILABLE.
 */
export function whileReachable<T>(store: string, operation: () => Promise<T>): Promise<T> {
  return whileAvailable(store, operation, () => true);
}
