import axios, { AxiosError } from 'axios';
import { ProviderError } from './provider.js';

const TIMEOUT_MS = 5_000;
const MAX_RESPONSE_BYTES = 256 * 1024;

// Every provider call: bounded in time and size, no redirects followed, no proxy from the
// environment, and any status handed back to the provider's own file to interpret.
const client = axios.create({
  timeout: TIMEOUT_MS,
  maxRedirects: 0,
  maxContentLength: MAX_RESPONSE_BYTES,
  proxy: false,
  responseType: 'text',
  transformResponse: [(data: unknown) => data],
  validateStatus: () => true,
  headers: { accept: 'application/json' },
});

export interface ProviderResponse {
  status: number;
  /** The parsed JSON body; null when the body was empty. */
  body: Record<string, unknown> | null;
}

export function postForm(url: string, fields: Record<string, string | null>, contentType = 'application/x-www-form-urlencoded'): Promise<ProviderResponse> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) if (value !== null) form.set(name, value);
  return send((signal) => client.post<string>(url, form.toString(), { headers: { 'content-type': contentType }, signal }));
}

export function getWithBearer(url: string, accessToken: string): Promise<ProviderResponse> {
  return send((signal) => client.get<string>(url, { headers: { authorization: `Bearer ${accessToken}` }, signal }));
}

/**
 * One call, aborted after TIMEOUT_MS in all (axios' own timeout only bounds each wait, so a
 * provider trickling bytes could otherwise hold the request longer).
 */
async function send(request: (signal: AbortSignal) => Promise<{ status: number; data: string }>): Promise<ProviderResponse> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), TIMEOUT_MS);
  let response: { status: number; data: string };
  try {
    response = await request(deadline.signal);
  } catch (error) {
    throw transportError(error);
  } finally {
    clearTimeout(timer);
  }
  if (response.status >= 300 && response.status < 400) throw new ProviderError('unexpected_redirect', `HTTP ${response.status}`);
  return { status: response.status, body: parseJson(response.data, response.status) };
}

/** JSON objects only; numbers named `id` keep their exact digits (Kakao ids may exceed 2^53). */
function parseJson(text: string, status: number): Record<string, unknown> | null {
  if (text.trim() === '') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (key, value: unknown, context?: { source?: string }) =>
      key === 'id' && typeof value === 'number' && context?.source ? context.source : value,
    );
  } catch {
    throw new ProviderError('invalid_response', `HTTP ${status}, body is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ProviderError('invalid_response', `HTTP ${status}, body is not a JSON object`);
  return parsed as Record<string, unknown>;
}

function transportError(error: unknown): ProviderError {
  if (error instanceof AxiosError) {
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT' || error.code === 'ERR_CANCELED') return new ProviderError('timeout', error.message);
    if (error.message.includes('maxContentLength')) return new ProviderError('response_too_large', error.message);
    return new ProviderError('unreachable', `${error.code ?? 'error'}: ${error.message}`);
  }
  return new ProviderError('unreachable', String(error));
}

/** A string field of a provider's JSON, or null. */
export function text(body: Record<string, unknown> | null | undefined, name: string): string | null {
  const value = body?.[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** A nested object of a provider's JSON, or null. */
export function object(body: Record<string, unknown> | null | undefined, name: string): Record<string, unknown> | null {
  const value = body?.[name];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
