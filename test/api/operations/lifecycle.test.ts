import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GATEWAY_ENTRY, startGatewayProcess } from '../../helpers/gateway-process.js';
import { freePort } from '../../helpers/redis-server.js';
import { createTestApp, createTestDatabase } from '../../helpers/test-app.js';

describe('the gateway process', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'auth-gateway-process-'));
  });
  afterAll(() => rm(cwd, { recursive: true, force: true }));

  it('reads .env in development, serves, and exits 0 on SIGTERM after closing everything', async () => {
    const port = await freePort();
    await writeFile(path.join(cwd, '.env'), `PORT=${port}\nBCRYPT_COST=4\n`);
    const gateway = await startGatewayProcess(cwd, {
      NODE_ENV: 'development',
      DATABASE_URL: await createTestDatabase(),
      REDIS_URL: process.env.TEST_REDIS_URL!,
    });
    try {
      expect(gateway.port).toBe(port);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

      gateway.child.kill('SIGTERM');
      expect(await gateway.exit).toBe(0);
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      gateway.child.kill('SIGKILL');
    }
  });

  it('starts again after a kill -9 left its embedded PostgreSQL running: the orphan is stopped first', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'auth-gateway-crash-'));
    const env = { NODE_ENV: 'test', PORT: '0', BCRYPT_COST: '4', DATA_DIR: dataDir };
    try {
      const crashed = await startGatewayProcess(cwd, env);
      crashed.child.kill('SIGKILL');
      await crashed.exit;
      const restarted = await startGatewayProcess(cwd, env);
      expect((await fetch(`${restarted.url}/readyz`)).status).toBe(200);
      expect(await restarted.stop()).toBe(0);
    } finally {
      // Whatever happened above, no PostgreSQL outlives the test.
      const pid = Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('exits 2 with one line per bad variable when the configuration is wrong', async () => {
    const child = spawn(process.execPath, [GATEWAY_ENTRY], {
      cwd,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: 'abc', BCRYPT_COST: '99', ACCESS_TOKEN_TTL: '15x' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n').slice(1).map((line) => line.trim().split(':')[0]);
    expect(lines).toEqual(['PORT', 'ACCESS_TOKEN_TTL', 'BCRYPT_COST']);
  });
});

describe('shutting down', () => {
  it('answers a request in flight with `connection: close`, so a keep-alive client cannot hold the drain open', async () => {
    const app = await createTestApp();
    const { hostname, port } = new URL(app.url);
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const ended = once(socket, 'end');
    await once(socket, 'connect');
    const body = JSON.stringify({ query: '{ loginState }' });
    // Headers and half the body now: the request is in flight when the shutdown starts.
    socket.write(`POST /graphql HTTP/1.1\r\nhost: ${hostname}\r\nconnection: keep-alive\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    // Time for the server to read those headers: a request it has not seen yet would count as idle.
    await new Promise((resolve) => setTimeout(resolve, 200));

    const closing = app.close();
    socket.write(body.slice(10));
    await ended;
    await closing;

    const [head = '', answer = ''] = received.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(head.toLowerCase()).toContain('\r\nconnection: close');
    expect(JSON.parse(answer)).toEqual({ data: { loginState: 'AUTHORIZATION_NOT_FOUND' } });
  });
});
