import { PASSWORD, signIn, signUp } from '../helpers/accounts.js';
import { bearer } from '../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

async function scrape(app: TestApp): Promise<{ status: number; contentType: string | null; text: string }> {
  const response = await fetch(`${app.url}/metrics`);
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

/** The value of one sample line, e.g. `auth_operation_outcomes_total{field="signIn",outcome="ok"}`. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('GET /metrics', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('answers Prometheus text with the process metrics', async () => {
    const { status, contentType, text } = await scrape(app);
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('counts outcomes per root field: a success, a failed sign-in, an unauthenticated me; and times requests by field', async () => {
    const pair = await signUp(app);
    const before = (await scrape(app)).text;
    await signIn(app, pair.user.email!, 'not the password');
    await signIn(app, pair.user.email!, PASSWORD);
    await app.gql('{ me { id } }', undefined, bearer(pair.accessToken));
    await app.gql('{ me { id } }');
    const after = (await scrape(app)).text;
    const grew = (labels: string) => sample(after, 'auth_operation_outcomes_total', labels) - sample(before, 'auth_operation_outcomes_total', labels);
    expect(grew('field="signIn",outcome="INVALID_CREDENTIALS"')).toBe(1);
    expect(grew('field="signIn",outcome="ok"')).toBe(1);
    expect(grew('field="me",outcome="ok"')).toBe(1);
    expect(grew('field="me",outcome="UNAUTHENTICATED"')).toBe(1);
    expect(sample(after, 'auth_graphql_request_duration_seconds_count', 'field="me"')).toBeGreaterThanOrEqual(2);
    // Labels come from the schema, never from the request: no email, no token.
    expect(after).not.toContain(pair.user.email!);
    expect(after).not.toContain(pair.accessToken.slice(0, 20));
  });
});
