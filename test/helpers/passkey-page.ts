import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import type { RunningServer } from './profile-subgraph.js';

const require = createRequire(import.meta.url);

/**
 * An app's sign-in page as small as it gets: @simplewebauthn/browser (bundled here, served from
 * this page's own origin) and a `gql` function calling the gateway across origins, as a real
 * app's page would. It is served on `http://localhost:<port>`: WebAuthn needs a secure context,
 * and an rp id of `localhost` (an IP address is no valid rp id).
 */
export async function startPasskeyPage(): Promise<RunningServer & { origin: string }> {
  const bundle = await build({
    entryPoints: [require.resolve('@simplewebauthn/browser').replace(/script[\\/]index\.js$/, 'esm/index.js')],
    bundle: true,
    format: 'iife',
    globalName: 'SimpleWebAuthnBrowser',
    platform: 'browser',
    write: false,
  });
  const script = bundle.outputFiles[0]!.text;
  const page = `<!doctype html><meta charset="utf-8"><title>Sign in</title><script src="/webauthn.js"></script>
<script>
  async function gql(url, query, variables, token) {
    const headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = 'Bearer ' + token;
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return response.json();
  }
</script><p>Sign in</p>`;
  const server = createServer((req, res) => {
    const [type, body] = req.url === '/webauthn.js' ? ['text/javascript', script] : ['text/html; charset=utf-8', page];
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/`,
    origin,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A virtual authenticator like a phone's or a laptop's: resident keys, user verification that passes. */
export interface AuthenticatorOptions {
  /** A synced passkey (backup eligible and backed up), as password managers make; default: device-bound. */
  synced?: boolean;
}

/** The page open in a fresh context with a CDP virtual authenticator attached. */
export async function openWithAuthenticator(context: BrowserContext, url: string, options: AuthenticatorOptions = {}): Promise<Page> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      ...(options.synced ? { defaultBackupEligibility: true, defaultBackupState: true } : {}),
    },
  });
  await page.goto(url);
  return page;
}
