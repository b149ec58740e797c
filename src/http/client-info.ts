import { isIP } from 'node:net';
import type { ClientInfo } from '../services/client-info.js';

/**
 * The caller's address and user agent. Behind `trustedProxies` proxies, each appends the address
 * it received from to X-Forwarded-For, so the client is the Nth entry from the right; everything
 * left of it was written by the client and proves nothing. An entry that is missing or is not an
 * IP address means no trusted client address: the socket's is used, and the entry is never stored.
 */
export function clientInfoOf(headers: { get(name: string): string | undefined }, socketAddress: string | undefined, trustedProxies: number): ClientInfo {
  const forwarded = trustedProxies > 0 ? forwardedClient(headers.get('x-forwarded-for'), trustedProxies) : null;
  const address = forwarded ?? socketAddress ?? null;
  return { ip: address && normalizeAddress(address), userAgent: headers.get('user-agent') ?? null, acceptLanguage: headers.get('accept-language') ?? null };
}

/** Repeated X-Forwarded-For headers arrive joined by commas: one list either way. */
function forwardedClient(header: string | undefined, trustedProxies: number): string | null {
  if (header === undefined) return null;
  const entries = header.split(',');
  const entry = entries[entries.length - trustedProxies]?.trim();
  return entry !== undefined && isIP(entry) !== 0 ? entry : null;
}

/** IPv4-mapped IPv6 as plain IPv4, and IPv6 in lower case, so one client has one spelling. */
function normalizeAddress(address: string): string {
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '').toLowerCase();
}
