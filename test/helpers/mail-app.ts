import { SmtpSink } from './smtp-sink.js';
import { createTestApp, type TestApp, type TestAppOptions } from './test-app.js';

/** A test app mailing to its own SMTP sink; both exist from beforeAll on. */
export interface MailApp {
  readonly app: TestApp;
  readonly smtp: SmtpSink;
}

/**
 * A test app for a test file or describe block (call it there, not in a test) with an SMTP sink
 * of its own as SMTP_URL, beside `env` and `options`: both started before the tests, closed after
 * them (the app first). Read `app` and `smtp` inside hooks and tests; they throw before beforeAll.
 */
export function useMailApp(env: Record<string, string> = {}, options: TestAppOptions = {}): MailApp {
  let app: TestApp | undefined;
  let smtp: SmtpSink | undefined;
  beforeAll(async () => {
    smtp = await SmtpSink.start();
    app = await createTestApp({ ...env, SMTP_URL: smtp.url }, options);
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
  });
  return {
    get app() {
      if (!app) throw new Error('useMailApp: the app starts in beforeAll');
      return app;
    },
    get smtp() {
      if (!smtp) throw new Error('useMailApp: the SMTP sink starts in beforeAll');
      return smtp;
    },
  };
}
