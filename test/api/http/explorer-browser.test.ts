import { mkdir } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { PASSWORD, signUp, uniqueEmail } from '../../helpers/accounts.js';
import { useBrowser } from '../../helpers/browser.js';
import { codeAt, enrolTotp } from '../../helpers/second-factor.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

// A person screenshots can be shown to: test-results/ is ignored by git.
const SCREENSHOTS = 'test-results';
// A cold browser loads and compiles some 5 MiB of editor on a busy 2-core machine.
const BROWSER_TEST_MS = 90_000;
const APOLLO_CDN = /^https:\/\/embeddable-sandbox\.cdn\.apollographql\.com\//;

const browserFor = useBrowser();

/** A browser context in which every request to a host other than the gateway's is blocked, and listed. */
async function offline(app: TestApp): Promise<{ context: BrowserContext; outside: string[] }> {
  const context = await browserFor.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const gateway = new URL(app.url).host;
  const outside: string[] = [];
  await context.route('**', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.host === gateway) return route.continue();
    outside.push(url.href);
    return route.abort('blockedbyclient');
  });
  return { context, outside };
}

/** What the page's scripts see, typed as far as these tests read it (the test program has no DOM types). */
type InPage = { document: { querySelector(selector: string): { textContent: string | null } | null } };
type MonacoModels = { __MONACO?: { editor: { getModels(): Array<{ uri: { path: string }; getValue(): string; setValue(text: string): void }> } } };

/** The text of one of GraphiQL's editors (operation.graphql, response.json…), from Monaco's models. */
function editorText(page: Page, file: string): Promise<string> {
  return page.evaluate((name) => (globalThis as MonacoModels).__MONACO?.editor.getModels().find((model) => model.uri.path.endsWith(name))?.getValue() ?? '', file);
}

/** Runs `query` as a person would: into the operation editor, then the run button; the response text. */
async function run(page: Page, query: string): Promise<string> {
  await page.waitForFunction(() => Boolean((globalThis as MonacoModels).__MONACO), null, { timeout: 20_000 });
  await page.evaluate((text) => {
    (globalThis as MonacoModels).__MONACO!.editor.getModels().find((model) => model.uri.path.endsWith('operation.graphql'))!.setValue(text);
  }, query);
  const before = await editorText(page, 'response.json');
  // GraphiQL takes the editor's text into its state a moment later; until then the button would
  // run the previous document (several operations: it would ask which).
  await page.waitForFunction((text) => (globalThis as unknown as InPage).document.querySelector('.graphiql-query-editor')?.textContent?.replace(/\u00a0/g, ' ').includes(text), query);
  await page.waitForTimeout(500);
  await page.click('button.graphiql-execute-button');
  await page.waitForFunction(
    (previous) => {
      const text = (globalThis as MonacoModels).__MONACO!.editor.getModels().find((model) => model.uri.path.endsWith('response.json'))?.getValue() ?? '';
      return text !== '' && text !== previous;
    },
    before,
  );
  return editorText(page, 'response.json');
}

describe('the explorer at GET /graphql, with every other host out of reach', () => {
  let app: TestApp;
  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    app = await createTestApp({}, { store: 'postgres' });
  });
  afterAll(() => app?.close());

  it("EXPLORER=auto (the default): Apollo's CDN does not answer → the bundled explorer; sign up in its panel; { me { email } } runs with the stored token; nothing but that one CDN attempt left the gateway's host", async () => {
    const { context, outside } = await offline(app);
    try {
      const page = await context.newPage();
      await page.goto(`${app.url}/graphql`);
      await page.waitForSelector('.graphiql-container', { timeout: 20_000 });
      expect(new URL(page.url()).searchParams.get('explorer')).toBe('bundled');
      await page.screenshot({ path: `${SCREENSHOTS}/explorer-fallback.png` });

      const email = uniqueEmail();
      await page.fill('input[aria-label="Email"]', email);
      await page.fill('input[aria-label="Password"]', PASSWORD);
      await page.fill('input[aria-label="Nickname"]', 'Ada');
      await page.click('button:has-text("Sign up")');
      await page.waitForSelector('[data-testid="signed-in"]');
      await page.waitForSelector('[data-testid="login-state"]:has-text("AUTHENTICATED")');

      const answer = JSON.parse(await run(page, '{ me { email } }')) as { data?: { me?: { email: string } } };
      expect(answer.data?.me?.email).toBe(email);
      await page.screenshot({ path: `${SCREENSHOTS}/explorer-me.png` });

      // The access token expires: the panel refreshes once by itself and the query still answers.
      app.clock.advance(16 * 60_000);
      const later = JSON.parse(await run(page, '{ me { email } loginState }')) as { data?: { me?: { email: string }; loginState: string } };
      expect(later.data).toEqual({ me: { email }, loginState: 'AUTHENTICATED' });

      expect(outside.length).toBeGreaterThan(0);
      for (const url of outside) expect(url).toMatch(APOLLO_CDN);
    } finally {
      await context.close();
    }
  }, BROWSER_TEST_MS);
});

describe('EXPLORER=bundled', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ EXPLORER: 'bundled' }, { store: 'redis' });
  });
  afterAll(() => app?.close());

  it("serves only the gateway's own explorer: not one request for another host, and its content-security policy is 'self'", async () => {
    const { context, outside } = await offline(app);
    try {
      const page = await context.newPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      const response = await page.goto(`${app.url}/graphql`);
      expect(response!.headers()['content-security-policy']).toContain("default-src 'self'");
      await page.waitForSelector('.graphiql-query-editor .monaco-editor', { timeout: 20_000 });
      const answer = JSON.parse(await run(page, '{ loginState }')) as { data?: { loginState: string } };
      expect(answer.data).toEqual({ loginState: 'AUTHORIZATION_NOT_FOUND' });
      await page.screenshot({ path: `${SCREENSHOTS}/explorer-bundled.png` });
      expect(outside).toEqual([]);
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  }, BROWSER_TEST_MS);

  it('an account with TOTP on: the panel asks for the code after the password, and the session it gets answers me', async () => {
    const email = uniqueEmail();
    const account = await signUp(app, email);
    const { secret } = await enrolTotp(app, account.accessToken);
    const { context, outside } = await offline(app);
    try {
      const page = await context.newPage();
      await page.goto(`${app.url}/graphql`);
      await page.fill('input[aria-label="Email"]', email);
      await page.fill('input[aria-label="Password"]', PASSWORD);
      await page.click('button:has-text("Sign in")');
      await page.fill('input[aria-label="Code"]', codeAt(app, secret));
      await page.click('button:has-text("Verify")');
      await page.waitForSelector('[data-testid="signed-in"]');
      const answer = JSON.parse(await run(page, '{ me { email mfaEnabled } }')) as { data?: { me?: { email: string; mfaEnabled: boolean } } };
      expect(answer.data?.me).toEqual({ email, mfaEnabled: true });
      expect(outside).toEqual([]);
    } finally {
      await context.close();
    }
  }, BROWSER_TEST_MS);
});
