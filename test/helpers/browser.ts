import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (scripts/ensure-test-tools.sh installs it); the npm browser downloads cannot work here. */
const CHROMIUM = '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps calling Google's hosts.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/** A headless Chromium for a test file: launched in beforeAll, closed in afterAll. */
export function useBrowser(): { readonly browser: Browser } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error('useBrowser: the browser starts in beforeAll');
      return browser;
    },
  };
}
