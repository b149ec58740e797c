import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const HTML = { accept: 'text/html,application/xhtml+xml' };

/** A test app with `env`, closed after `work`. */
async function withApp<T>(env: Record<string, string>, work: (app: TestApp) => Promise<T>): Promise<T> {
  const app = await createTestApp(env);
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

describe('EXPLORER: the browser page at GET /graphql', () => {
  it("auto (the default): our page, which tries Apollo's embed and nothing else from outside; its policy names only Apollo's script and frame hosts", async () => {
    await withApp({}, async (app) => {
      const page = await fetch(`${app.url}/graphql`, { headers: HTML });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script src="/explorer/landing.js"></script>');
      const policy = page.headers.get('content-security-policy')!;
      expect(policy).toContain("script-src 'self' https://embeddable-sandbox.cdn.apollographql.com");
      expect(policy).toContain('frame-src https://sandbox.embed.apollographql.com');
      expect(policy).toContain("connect-src 'self'");
    });
  });

  it("bundled: the gateway's explorer with a 'self'-only policy, a fresh nonce per page, and the development mailbox linked only where there is one", async () => {
    await withApp({ EXPLORER: 'bundled' }, async (app) => {
      const [first, second] = await Promise.all([fetch(`${app.url}/graphql`, { headers: HTML }), fetch(`${app.url}/graphql`, { headers: HTML })]);
      const html = await first.text();
      expect(html).toContain('<script type="module" src="/explorer/main.js"></script>');
      expect(html).toContain('data-mailbox="/dev/mailbox"');
      const policy = first.headers.get('content-security-policy')!;
      expect(policy).toMatch(/^default-src 'self'; script-src 'self'; /);
      expect(policy).not.toMatch(/https?:|unsafe-eval/);
      expect(policy).not.toBe(second.headers.get('content-security-policy'));
    });
    await withApp({ EXPLORER: 'bundled', SMTP_URL: 'smtp://127.0.0.1:1' }, async (app) => {
      expect(await (await fetch(`${app.url}/graphql`, { headers: HTML })).text()).not.toContain('data-mailbox');
    });
  });

  it('serves the built files under /explorer/ (JavaScript, CSS, the workers) and nothing outside them', async () => {
    await withApp({ EXPLORER: 'bundled' }, async (app) => {
      for (const file of ['main.js', 'main.css', 'graphql.worker.js', 'json.worker.js', 'editor.worker.js', 'landing.js']) {
        const response = await fetch(`${app.url}/explorer/${file}`);
        expect({ file, status: response.status, type: response.headers.get('content-type')?.split(';')[0] }).toEqual({ file, status: 200, type: file.endsWith('.css') ? 'text/css' : 'text/javascript' });
      }
      for (const path of ['/explorer/%2e%2e/%2e%2e/package.json', '/explorer/..%2f..%2fpackage.json', '/explorer/missing.js', '/explorer/bundle-size.txt']) {
        expect((await fetch(`${app.url}${path}`)).status).toBe(404);
      }
    });
  });

  it('a browser GET that carries an operation still runs it', async () => {
    await withApp({ EXPLORER: 'bundled' }, async (app) => {
      const response = await fetch(`${app.url}/graphql?query=${encodeURIComponent('{ loginState }')}`, { headers: { accept: 'text/html, application/json', 'apollo-require-preflight': 'true' } });
      expect(await response.json()).toEqual({ data: { loginState: 'AUTHORIZATION_NOT_FOUND' } });
    });
  });

  it.each([
    ['sandbox', {}, /embeddable-sandbox/, /\/explorer\//],
    ['off', {}, /^/, /sandbox|explorer/],
    ['bundled in production', { NODE_ENV: 'production' }, /^/, /sandbox|explorer/],
  ])('%s: no explorer of ours (Apollo Sandbox only where asked for)', async (mode, extra, present, absent) => {
    await withApp({ EXPLORER: mode.split(' ')[0]!, ...extra }, async (app) => {
      const text = await (await fetch(`${app.url}/graphql`, { headers: HTML })).text();
      expect(text).toMatch(present);
      expect(text).not.toMatch(absent);
      expect((await fetch(`${app.url}/explorer/main.js`)).status).toBe(404);
    });
  });
});
