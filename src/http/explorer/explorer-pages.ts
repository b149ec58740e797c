import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendExplorerFile } from './explorer-files.js';

/** What the browser page at GET /graphql is: Apollo Sandbox falling back to ours, or ours always. */
export type ExplorerMode = 'auto' | 'bundled';

const APOLLO_SANDBOX_SCRIPT = 'https://embeddable-sandbox.cdn.apollographql.com';
const APOLLO_SANDBOX_FRAME = 'https://sandbox.embed.apollographql.com';

/**
 * Nothing but this gateway. Monaco writes style attributes as it lays text out (no nonce can
 * cover those); <style> elements it creates carry the page's nonce (explorer/csp-nonce.ts). The
 * files (scripts, workers, CSS) create no <style> of their own: theirs needs no nonce.
 */
function bundledPolicy(nonce: string | null): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    nonce === null ? "style-src-elem 'self'" : `style-src-elem 'self' 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "worker-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The explorer's files: they create no <style> of their own, so no nonce. */
const FILE_POLICY = bundledPolicy(null);

/** The auto page: ours, plus Apollo's embed script and its frame. */
const AUTO_POLICY = [
  "default-src 'self'",
  `script-src 'self' ${APOLLO_SANDBOX_SCRIPT}`,
  `frame-src ${APOLLO_SANDBOX_FRAME}`,
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const bundledPage = (nonce: string, mailbox: string | null) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="csp-nonce" nonce="${nonce}">
<title>auth-gateway explorer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/explorer/main.css">
<script type="module" src="/explorer/main.js"></script>
</head>
<body><div id="root" data-endpoint="/graphql"${mailbox ? ` data-mailbox="${mailbox}"` : ''}></div></body>
</html>`;

const AUTO_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>auth-gateway</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/explorer/landing-page.css">
<script src="/explorer/landing.js"></script>
</head>
<body><div id="sandbox" class="sandbox"></div></body>
</html>`;

/** True for a browser asking for the page at /graphql (HTML accepted, no operation in the URL). */
export function isExplorerRequest(request: IncomingMessage, url: URL): boolean {
  return request.method === 'GET' && !url.searchParams.has('query') && (request.headers.accept ?? '').includes('text/html');
}

/** The explorer's page at GET /graphql and its files under /explorer/. */
export class ExplorerPages {
  constructor(
    private readonly mode: ExplorerMode,
    private readonly directory: string,
    /** Where the development mailbox is, when there is one. */
    private readonly mailbox: string | null,
  ) {}

  page(response: ServerResponse, url: URL): void {
    // The auto page sends the browser here (?explorer=bundled) when Apollo's CDN is out of reach.
    if (this.mode === 'bundled' || url.searchParams.get('explorer') === 'bundled') {
      const nonce = randomBytes(16).toString('base64');
      send(response, bundledPage(nonce, this.mailbox), bundledPolicy(nonce));
      return;
    }
    send(response, AUTO_PAGE, AUTO_POLICY);
  }

  file(relative: string, response: ServerResponse): Promise<void> {
    return sendExplorerFile(this.directory, relative, response, { 'content-security-policy': FILE_POLICY });
  }
}

function send(response: ServerResponse, html: string, policy: string): void {
  response
    .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': policy, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' })
    .end(html);
}
