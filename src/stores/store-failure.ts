import { ConnectionException, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
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

/**
 * Another transaction wrote the same unique value first (an email, a provider account): the
 * caller may try again and find what it wrote.
 */
export class UniqueConflict extends Error {}

/**
 * Runs `work` in one transaction on `em` (rolled back if it throws). A unique index refusing a
 * write becomes UniqueConflict; an outage, SERVICE_UNAVAILABLE.
 */
export async function inTransaction<T>(em: EntityManager, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  try {
    return await whileAvailable('database', () => em.transactional(work));
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw new UniqueConflict(error.message);
    throw error;
  }
}
