import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signUp } from '../../helpers/accounts.js';
import { withinOneSecond } from '../../helpers/eventually.js';
import { type GatewayProcess, startGatewayProcess } from '../../helpers/gateway-process.js';
import { bearer } from '../../helpers/graphql-client.js';
import { createTestDatabase } from '../../helpers/test-app.js';

/** What one worker answered: the loginState, and the pid that `x-gateway-worker` names (outside production). */
interface Answer {
  state: string;
  worker: string | undefined;
}

/**
 * loginState on a new connection each time: the supervisor hands connections to workers in turn,
 * so consecutive calls are answered by different workers.
 */
function loginStateOnNewConnection(gateway: GatewayProcess, accessToken: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const call = request(
      `${gateway.url}/graphql`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...bearer(accessToken) } },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({
          state: (JSON.parse(body) as { data: { loginState: string } }).data.loginState,
          worker: response.headers['x-gateway-worker'] as string | undefined,
        }));
      },
    );
    call.on('error', reject);
    call.end(JSON.stringify({ query: '{ loginState }' }));
  });
}

/** Enough new connections for two workers to answer, in any hand-out order: the bound, not a timing. */
const MAX_CALLS = 200;

/**
 * Asks on new connections until two different workers have answered, at most MAX_CALLS times;
 * every answer must satisfy `expectEach`. Returns the workers that answered.
 */
async function untilTwoWorkers(ask: () => Promise<Answer>, expectEach: (answer: Answer) => void): Promise<Set<string>> {
  const workers = new Set<string>();
  for (let call = 0; call < MAX_CALLS && workers.size < 2; call += 1) {
    const answer = await ask();
    expectEach(answer);
    workers.add(String(answer.worker));
  }
  return workers;
}

describe('WORKERS=2: one supervisor, two gateway processes on one port', () => {
  let cwd: string;
  let gateway: GatewayProcess;
  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'auth-gateway-workers-'));
    gateway = await startGatewayProcess(cwd, {
      NODE_ENV: 'test',
      WORKERS: '2',
      PORT: '0',
      BCRYPT_COST: '4',
      DATABASE_URL: await createTestDatabase(),
      REDIS_URL: process.env.TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: `workers-${process.pid}:`,
    }, { listeners: 2 });
  }, 60_000);
  afterAll(async () => {
    gateway?.child.kill('SIGKILL');
    await rm(cwd, { recursive: true, force: true });
  });

  it('serves from two worker processes, neither of them the supervisor', async () => {
    const pair = await signUp(gateway);
    const workers = await untilTwoWorkers(
      () => loginStateOnNewConnection(gateway, pair.accessToken),
      (answer) => expect(answer.worker).toMatch(/^[1-9]\d*$/),
    );
    expect(workers.size).toBe(2);
    expect(workers).not.toContain(String(gateway.child.pid));
  });

  it('both workers share sessions and hear each other\'s revocations within a second', async () => {
    const pair = await signUp(gateway);
    const ask = () => loginStateOnNewConnection(gateway, pair.accessToken);
    const authenticated = await untilTwoWorkers(ask, (answer) => expect(answer.state).toBe('AUTHENTICATED'));
    expect(authenticated.size).toBe(2);
    expect((await gateway.gql('mutation { logout }', undefined, bearer(pair.accessToken))).data).toEqual({ logout: true });
    const revoked = await untilTwoWorkers(
      () => withinOneSecond(ask, (answer) => answer.state === 'SESSION_REVOKED'),
      (answer) => expect(answer.state).toBe('SESSION_REVOKED'),
    );
    expect(revoked).toEqual(authenticated);
  });

  it('drains every worker on SIGTERM and exits 0', async () => {
    expect(await gateway.stop()).toBe(0);
    await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
  });
});
