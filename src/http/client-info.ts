import type { IncomingMessage } from 'node:http';
import type { ClientInfo } from '../services/sessions.js';

/** The caller's address and user agent. X-Forwarded-For is believed only behind a trusted proxy. */
export function clientInfoOf(request: IncomingMessage, trustProxy: boolean): ClientInfo {
  const forwarded = trustProxy ? request.headers['x-forwarded-for'] : undefined;
  const fromProxy = typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined;
  const address = fromProxy || request.socket.remoteAddress || null;
  const userAgent = request.headers['user-agent'];
  return { ip: address?.replace(/^::ffff:/, '') ?? null, userAgent: userAgent ?? null };
}
