import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signUp } from '../helpers/accounts.js';
import { withinOneSecond } from '../helpers/eventually.js';
import { type GatewayProcess, startGatewayProcess } from '../helpers/gateway-process.js';
import { bearer } from '../helpers/graphql-client.js';
import { createTestDatabase } from '../helpers/test-app.js';

/**
 * loginState on a new connection each time: the supervisor hands connections to workers in turn,
 * so consecutive calls are answered by different workers.
 */
function loginStateOnNewConnection(gateway: GatewayProcess, accessToken: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const call = request(
      `${gateway.url}/graphql`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...bearer(accessToken) } },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve((JSON.parse(body) as { data: { loginState: string } }).data.loginState));
      },
    );
    call.on('error', reject);
    call.end(JSON.stringify({ query: '{ loginState }' }));
  });
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

  it('serves from both workers, which share sessions and hear each other\'s revocations within a second', async () => {
    const pair = await signUp(gateway);
    for (let i = 0; i < 6; i += 1) expect(await loginStateOnNewConnection(gateway, pair.accessToken)).toBe('AUTHENTICATED');
    expect((await gateway.gql('mutation { logout }', undefined, bearer(pair.accessToken))).data).toEqual({ logout: true });
    for (let i = 0; i < 6; i += 1) {
      expect(await withinOneSecond(() => loginStateOnNewConnection(gateway, pair.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
    }
  });

  it('drains every worker on SIGTERM and exits 0', async () => {
    expect(await gateway.stop()).toBe(0);
    await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
  });
});
