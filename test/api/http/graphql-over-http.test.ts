import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { type Audit, type AuditResult, serverAudits } from 'graphql-http';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

/**
 * graphql-http's GraphQL-over-HTTP server audits, run against the gateway and against a plain
 * Apollo Server (standalone, trivial schema) started here as the baseline. The gateway keeps
 * Apollo's CSRF prevention, so audits that plain Apollo Server fails (GETs without a preflight
 * header, for one) may fail here too; any audit plain Apollo Server passes, the gateway must pass.
 */

// Apollo's default logger writes to the console; the baseline stays silent (logging does not
// change what it answers).
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The audits by id and name; their URL is read only when an audit runs. */
const audits = serverAudits({ url: () => gatewayUrl, fetchFn: fetch });

interface Observed {
  status: AuditResult['status'] | 'threw';
  reason?: string;
  response?: { status: number; headers: Record<string, string>; body: string };
}

/**
 * Runs one audit against `url` with a fetch that keeps a copy of the response, so a failure can
 * be shown with its status, headers and body even when the audit has read the body itself.
 */
async function runAudit(id: string, url: string): Promise<Observed> {
  let seen: Response | undefined;
  const recordingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await fetch(input, init);
    seen = response.clone();
    return response;
  };
  const audit = serverAudits({ url, fetchFn: recordingFetch }).find((candidate) => candidate.id === id);
  if (!audit) throw new Error(`graphql-http has no audit ${id}`);
  let result: AuditResult;
  try {
    result = await audit.fn();
  } catch (error) {
    return { status: 'threw', reason: error instanceof Error ? error.message : String(error), ...(seen && { response: await snapshot(seen) }) };
  }
  if (result.status === 'ok') return { status: 'ok' };
  return { status: result.status, reason: result.reason, ...(seen && { response: await snapshot(seen) }) };
}

async function snapshot(response: Response): Promise<NonNullable<Observed['response']>> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'date' && name !== 'keep-alive' && name !== 'connection') headers[name] = value;
  });
  return { status: response.status, headers, body: (await response.text()).slice(0, 2_000) };
}

// The baseline is started and audited before the tests are defined (top-level await), so that each
// test's title says whether plain Apollo Server passes that audit, and so whether the gateway must.
const baseline = new ApolloServer({ typeDefs: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'world' } }, logger: silent });
const { url: baselineUrl } = await startStandaloneServer(baseline, { listen: { port: 0, host: '127.0.0.1' } });
const baselineResults = new Map(await Promise.all(audits.map(async (audit: Audit) => [audit.id, await runAudit(audit.id, baselineUrl)] as const)));

let app: TestApp;
let gatewayUrl: string;

beforeAll(async () => {
  app = await createTestApp();
  gatewayUrl = `${app.url}/graphql`;
});
afterAll(async () => {
  await baseline.stop();
  await app?.close();
});

function title(audit: Audit): string {
  const theirs = baselineResults.get(audit.id)!;
  return theirs.status === 'ok' ? `${audit.id} ${audit.name}` : `${audit.id} ${audit.name} (plain Apollo Server: ${theirs.status}, so not required here)`;
}

describe('GraphQL over HTTP (graphql-http server audits): every audit plain Apollo Server passes, the gateway passes', () => {
  it('plain Apollo Server passes most audits (the comparison means something)', () => {
    const passed = [...baselineResults.values()].filter((result) => result.status === 'ok').length;
    expect(passed).toBeGreaterThan(audits.length / 2);
  });

  it.each(audits.map((audit: Audit) => [title(audit), audit.id] as const))('%s', async (_title, id) => {
    const theirs = baselineResults.get(id)!;
    const ours = await runAudit(id, gatewayUrl);
    // Where the baseline passes, the gateway's whole result must be 'ok' (a 'warn' or 'notice'
    // counts as failing); where the baseline does not, the gateway may answer either way.
    const seen = theirs.status === 'ok' ? { id, gateway: ours } : { id, gatewayAnswers: typeof ours.status === 'string' };
    const wanted = theirs.status === 'ok' ? { id, gateway: { status: 'ok' } } : { id, gatewayAnswers: true };
    expect(seen).toEqual(wanted);
  });
});
