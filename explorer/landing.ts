import { SANDBOX_EXAMPLE } from '../src/graphql/sandbox-example';

// EXPLORER=auto: Apollo Sandbox when Apollo's CDN answers; otherwise, after a few seconds at most,
// the explorer this gateway serves itself (offline, air-gapped, behind a strict proxy).
const SANDBOX_SCRIPT = 'https://embeddable-sandbox.cdn.apollographql.com/_latest/embeddable-sandbox.umd.production.min.js';
const FALLBACK_AFTER_MS = 4_000;

const endpoint = `${location.origin}${location.pathname}`;
const fallback = () => location.replace(`${location.pathname}?explorer=bundled`);
const timer = setTimeout(fallback, FALLBACK_AFTER_MS);
const script = document.createElement('script');
script.src = SANDBOX_SCRIPT;
script.onerror = () => {
  clearTimeout(timer);
  fallback();
};
script.onload = () => {
  clearTimeout(timer);
  const Sandbox = (window as { EmbeddedSandbox?: new (options: object) => unknown }).EmbeddedSandbox;
  if (!Sandbox) return fallback();
  new Sandbox({ target: '#sandbox', initialEndpoint: endpoint, initialState: { document: SANDBOX_EXAMPLE, includeCookies: false }, endpointIsEditable: false, runTelemetry: false });
};
document.head.append(script);
