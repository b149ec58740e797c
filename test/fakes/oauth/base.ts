import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * The machinery every fake OAuth provider shares: a node:http server on 127.0.0.1 (port 0),
 * a record of every request (Apollo-style "did the expected call arrive, with these fields?"),
 * one-shot fault injection, and a close() that leaves no socket behind for jest to wait on.
 * What each provider answers lives in google.ts, kakao.ts and naver.ts.
 */

export type Endpoint = 'authorize' | 'token' | 'userinfo';

export interface RecordedCall {
  /** `trap` is the redirect target below; `unknown` any other path. */
  readonly endpoint: Endpoint | 'trap' | 'unknown';
  readonly method: string;
  /** The path without the query. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly contentType: string | undefined;
  /** Query-string parameters (the first value of each). */
  readonly query: Readonly<Record<string, string>>;
  /** Body parameters when the body is application/x-www-form-urlencoded (with or without charset); {} otherwise. */
  readonly form: Readonly<Record<string, string>>;
  /** Parameter names sent more than once in the query or the form: RFC 6749 §3.1/§3.2 forbid that. */
  readonly repeatedParams: readonly string[];
  readonly rawBody: string;
}

/** A provider's answer. An object body is sent as JSON; a string body as is. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface OversizedOptions {
  /** Send Content-Length up front; by default the body is chunked, so only counting bytes can stop it. */
  readonly declareLength?: boolean;
}

/** What every fake offers, whatever the provider. */
export interface FakeServer {
  /** Pass these as OAUTH_<P>_AUTHORIZE_URL, OAUTH_<P>_TOKEN_URL, OAUTH_<P>_USERINFO_URL. */
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly userInfoUrl: string;
  /** Records and answers 200 `{}`: redirect somewhere here and assert nobody followed. */
  readonly trapUrl: string;
  /** Every request, in arrival order (cleared in place by reset()). */
  readonly calls: readonly RecordedCall[];
  callsTo(endpoint: RecordedCall['endpoint']): RecordedCall[];
  /** From now until reset(): requests to `endpoint` are recorded and never answered. */
  hang(endpoint: Endpoint): void;
  /** The next request to `endpoint` gets exactly this answer (overrides queue up, one per request). */
  respondWith(endpoint: Endpoint, status: number, body: unknown, headers?: Record<string, string>): void;
  /** The next request to `endpoint` gets a redirect to `url` instead of an answer. */
  redirectTo(endpoint: Endpoint, url: string, status?: 301 | 302 | 303 | 307 | 308): void;
  /** The next request to `endpoint` is handled normally, and its JSON answer is padded to `bytes` bytes. */
  oversized(endpoint: Endpoint, bytes: number, options?: OversizedOptions): void;
  /** Forgets calls, overrides, hangs (dropping hung connections) and the provider's codes and tokens. */
  reset(): void;
  /** Closes the server and every connection, hung ones included. */
  close(): Promise<void>;
}

export interface FakeServerSpec {
  readonly paths: Readonly<Record<Endpoint, string>>;
  /** The Content-Type this provider labels its JSON with. */
  readonly jsonContentType: string;
  /** Answers token and userinfo requests (authorize is echoed by the base). */
  readonly handle: (endpoint: 'token' | 'userinfo', call: RecordedCall) => Reply;
  readonly onReset: () => void;
}

type Override =
  | { readonly kind: 'reply'; readonly reply: Reply }
  | { readonly kind: 'redirect'; readonly location: string; readonly status: number }
  | { readonly kind: 'oversized'; readonly bytes: number; readonly declareLength: boolean };

const TRAP_PATH = '/__trap';
// Requests are small forms; anything larger is a bug in the caller, not a provider's problem to buffer.
const MAX_REQUEST_BYTES = 64 * 1024;

export async function startFakeServer(spec: FakeServerSpec): Promise<FakeServer> {
  const calls: RecordedCall[] = [];
  const overrides = new Map<Endpoint, Override[]>();
  const hanging = new Set<Endpoint>();
  const hungResponses = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const byPath = new Map<string, Endpoint>(Object.entries(spec.paths).map(([endpoint, path]) => [path, endpoint as Endpoint]));

  const server = createServer((req, res) => {
    readBody(req).then(
      (raw) => {
        const call = record(req, raw, byPath);
        calls.push(call);
        if (call.endpoint === 'trap') return send(res, { status: 200, body: {} }, spec.jsonContentType);
        if (call.endpoint === 'unknown') return send(res, { status: 404, body: { error: 'fake: no such path' } }, spec.jsonContentType);
        const endpoint = call.endpoint;
        if (hanging.has(endpoint)) {
          hungResponses.add(res);
          res.once('close', () => hungResponses.delete(res));
          return;
        }
        const override = overrides.get(endpoint)?.shift();
        if (override?.kind === 'reply') return send(res, override.reply, spec.jsonContentType);
        if (override?.kind === 'redirect') return send(res, { status: override.status, body: '', headers: { location: override.location } }, spec.jsonContentType);
        const reply = endpoint === 'authorize' ? echoAuthorize(call) : spec.handle(endpoint, call);
        if (override?.kind === 'oversized') return sendPadded(res, reply, override.bytes, override.declareLength, spec.jsonContentType);
        return send(res, reply, spec.jsonContentType);
      },
      () => {
        res.writeHead(413).end();
        req.destroy();
      },
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const queue = (endpoint: Endpoint, override: Override) => {
    const list = overrides.get(endpoint) ?? [];
    list.push(override);
    overrides.set(endpoint, list);
  };
  let closed: Promise<void> | undefined;

  return {
    authorizeUrl: base + spec.paths.authorize,
    tokenUrl: base + spec.paths.token,
    userInfoUrl: base + spec.paths.userinfo,
    trapUrl: base + TRAP_PATH,
    calls,
    callsTo: (endpoint) => calls.filter((call) => call.endpoint === endpoint),
    hang: (endpoint) => void hanging.add(endpoint),
    respondWith: (endpoint, status, body, headers) => queue(endpoint, { kind: 'reply', reply: { status, body, ...(headers && { headers }) } }),
    redirectTo: (endpoint, url, status = 302) => queue(endpoint, { kind: 'redirect', location: url, status }),
    oversized: (endpoint, bytes, options) => queue(endpoint, { kind: 'oversized', bytes, declareLength: options?.declareLength ?? false }),
    reset: () => {
      calls.length = 0;
      overrides.clear();
      hanging.clear();
      for (const res of hungResponses) res.socket?.destroy();
      hungResponses.clear();
      spec.onReset();
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive and hung connections would otherwise hold close() (and jest) open.
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}

/** The authorize endpoint only has to exist: tests read the URL the gateway built from here. */
function echoAuthorize(call: RecordedCall): Reply {
  return { status: 200, body: { endpoint: 'authorize', method: call.method, query: call.query } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) reject(new Error('request too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function record(req: IncomingMessage, rawBody: string, byPath: ReadonlyMap<string, Endpoint>): RecordedCall {
  const url = new URL(req.url ?? '/', 'http://fake');
  const contentType = req.headers['content-type'];
  const isForm = contentType?.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
  const query = params(url.searchParams);
  const form = isForm ? params(new URLSearchParams(rawBody)) : { values: {}, repeated: [] };
  return {
    endpoint: url.pathname === TRAP_PATH ? 'trap' : (byPath.get(url.pathname) ?? 'unknown'),
    method: req.method ?? 'GET',
    path: url.pathname,
    headers: req.headers,
    contentType,
    query: query.values,
    form: form.values,
    repeatedParams: [...new Set([...query.repeated, ...form.repeated])],
    rawBody,
  };
}

function params(search: URLSearchParams): { values: Record<string, string>; repeated: string[] } {
  const values: Record<string, string> = {};
  const repeated: string[] = [];
  for (const [name, value] of search) {
    if (name in values) repeated.push(name);
    else values[name] = value;
  }
  return { values, repeated };
}

function send(res: ServerResponse, reply: Reply, jsonContentType: string): void {
  const body = typeof reply.body === 'string' ? reply.body : reply.body === undefined ? '' : toJson(reply.body);
  const isJson = typeof reply.body !== 'string' && reply.body !== undefined;
  res.writeHead(reply.status, {
    ...(isJson && { 'content-type': jsonContentType }),
    'content-length': String(Buffer.byteLength(body)),
    ...reply.headers,
  });
  res.end(body);
}

/**
 * The normal answer with a `padding` member appended, `bytes` bytes in all, written in chunks
 * as the reader drains them: a well-formed reply that only a size cap can refuse.
 */
function sendPadded(res: ServerResponse, reply: Reply, bytes: number, declareLength: boolean, jsonContentType: string): void {
  const json = toJson(reply.body ?? {});
  const head = json.endsWith('}') && json !== '{}' ? `${json.slice(0, -1)},"padding":"` : '{"padding":"';
  const tail = '"}';
  const fill = Math.max(0, bytes - Buffer.byteLength(head) - tail.length);
  res.writeHead(reply.status, {
    'content-type': jsonContentType,
    ...(declareLength && { 'content-length': String(Buffer.byteLength(head) + fill + tail.length) }),
    ...reply.headers,
  });
  res.write(head);
  const chunk = 'x'.repeat(64 * 1024);
  let left = fill;
  const pump = (): void => {
    while (left > 0) {
      if (res.destroyed) return;
      const piece = left >= chunk.length ? chunk : chunk.slice(0, left);
      left -= piece.length;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end(tail);
  };
  pump();
}

/**
 * JSON that can carry integers beyond 2^53 exactly: a bigint is written as its digits (Kakao's
 * numeric user ids are 64-bit), which JSON.stringify alone refuses to do.
 */
export function toJson(value: unknown): string {
  const marker = `__bigint_${randomBytes(4).toString('hex')}_`;
  const text = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? `${marker}${item}` : item));
  return text.replace(new RegExp(`"${marker}(-?\\d+)"`, 'g'), '$1');
}

// ---------------------------------------------------------------------------------------------
// Authorization codes and access tokens, as a provider keeps them after its consent screen.

export interface CodeRequest<P> {
  readonly profile: P;
  readonly redirectUri: string;
  /** base64url(SHA-256(verifier)), as the client sent it with code_challenge_method=S256. */
  readonly codeChallenge?: string;
  readonly state?: string;
}

export interface IssuedCode<P> extends CodeRequest<P> {
  readonly code: string;
  used: boolean;
  expired: boolean;
}

/** Single-use codes bound to a redirect URI and PKCE challenge, and the access tokens they buy. */
export class Grants<P> {
  private readonly codes = new Map<string, IssuedCode<P>>();
  private readonly tokens = new Map<string, P>();

  issue(request: CodeRequest<P>, prefix = ''): string {
    const code = prefix + randomToken(24);
    this.codes.set(code, { ...request, code, used: false, expired: false });
    return code;
  }

  find(code: string | undefined): IssuedCode<P> | undefined {
    return code === undefined ? undefined : this.codes.get(code);
  }

  /** Ages a code past its lifetime without waiting for it (tests move time, they do not sleep). */
  expire(code: string): void {
    const issued = this.codes.get(code);
    if (!issued) throw new Error(`fake: no such code ${code}`);
    issued.expired = true;
  }

  /** Spends the code and returns a new access token for its profile. */
  redeem(issued: IssuedCode<P>, tokenPrefix = ''): string {
    issued.used = true;
    const token = tokenPrefix + randomToken(32);
    this.tokens.set(token, issued.profile);
    return token;
  }

  profileFor(token: string | undefined): P | undefined {
    return token === undefined ? undefined : this.tokens.get(token);
  }

  /** As if the user unlinked the app or the token expired: user info refuses it from now on. */
  revoke(token: string): void {
    this.tokens.delete(token);
  }

  clear(): void {
    this.codes.clear();
    this.tokens.clear();
  }
}

export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** The S256 code challenge for a verifier (RFC 7636 §4.2). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** A fresh PKCE pair, for tests that play the client themselves. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomToken(32);
  return { verifier, challenge: s256(verifier) };
}

/** RFC 7636 §4.1: 43 to 128 characters from the unreserved set. */
export function isWellFormedVerifier(verifier: string): boolean {
  return /^[A-Za-z0-9\-._~]{43,128}$/.test(verifier);
}

/** The token in `Authorization: Bearer <token>` (scheme case-insensitive), or undefined. */
export function bearerToken(call: RecordedCall): string | undefined {
  return /^Bearer +(\S+)$/i.exec(call.headers.authorization ?? '')?.[1];
}

// ---------------------------------------------------------------------------------------------
// The consent screen: turn the authorization URL the gateway built into a code, as the user's
// browser would come back with it.

export interface Approval {
  readonly code: string;
  readonly state: string | undefined;
  readonly redirectUri: string;
}

/**
 * Reads the URL the gateway sent the browser to and registers a code for `profile`, bound to that
 * URL's redirect_uri and code_challenge. Throws (a test failure, not a provider answer) when the
 * URL is not one this provider would show a consent screen for.
 */
export function approveAuthorization<P>(
  authorizationUrl: string,
  expected: { readonly authorizeUrl: string; readonly clientId: string; readonly pkce: boolean; readonly requireState?: boolean },
  issue: (request: CodeRequest<P>) => string,
  profile: P,
): Approval {
  const url = new URL(authorizationUrl);
  const problem = (what: string) => new Error(`fake: the provider would refuse this authorization URL: ${what} (${authorizationUrl})`);
  if (`${url.origin}${url.pathname}` !== expected.authorizeUrl) throw problem(`not this provider's authorize endpoint ${expected.authorizeUrl}`);
  const query = url.searchParams;
  if (query.get('response_type') !== 'code') throw problem('response_type is not "code"');
  if (query.get('client_id') !== expected.clientId) throw problem(`client_id is not ${expected.clientId}`);
  const redirectUri = query.get('redirect_uri');
  if (!redirectUri) throw problem('no redirect_uri');
  const challenge = query.get('code_challenge') ?? undefined;
  if (challenge !== undefined) {
    if (!expected.pkce) throw problem('this provider has no PKCE');
    if (query.get('code_challenge_method') !== 'S256') throw problem('code_challenge_method is not S256');
  }
  const state = query.get('state') ?? undefined;
  if (state === undefined && expected.requireState) throw problem('no state');
  const code = issue({ profile, redirectUri, ...(challenge !== undefined && { codeChallenge: challenge }), ...(state !== undefined && { state }) });
  return { code, state, redirectUri };
}
