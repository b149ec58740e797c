import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from '../helpers/eventually.js';
import { type GatewayProcess, startGatewayProcess } from '../helpers/gateway-process.js';
import { requestResets, signedUpUsers, sleep } from '../helpers/outbox.js';
import { startPrivatePostgres } from '../helpers/private-postgres.js';
import { TEST_KEY_ENCRYPTION_KEY } from '../helpers/test-app.js';

// Found by the soak: a sender's connection, checked out of its pool through an SMTP conversation,
// had no 'error' listener, so PostgreSQL stopping under it was an uncaught error that ended the process.

it('PostgreSQL stops while a mail sender holds its connection through a slow SMTP conversation: the gateway stays up, and is ready again once PostgreSQL is back', async () => {
  const postgres = await startPrivatePostgres();
  const sockets = new Set<Socket>();
  // Accepts connections and never greets: the sender waits, its transaction open, up to its greeting timeout.
  const silent = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const cwd = await mkdtemp(path.join(tmpdir(), 'auth-gateway-mail-outage-'));
  let child: GatewayProcess | undefined;
  try {
    child = await startGatewayProcess(cwd, {
      NODE_ENV: 'test',
      PORT: '0',
      LOG_LEVEL: 'info',
      BCRYPT_COST: '4',
      DATABASE_URL: postgres.url,
      KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY,
      SMTP_URL: `smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`,
    });
    const emails = await signedUpUsers([child], 1);
    await requestResets([child], emails);
    await eventually(async () => sockets.size, (count) => count >= 1);
    expect(sockets.size).toBeGreaterThanOrEqual(1);

    await postgres.stop();
    // Long enough for the cut connection to be noticed, shorter than the sender's 5 s greeting timeout.
    await sleep(2_000);
    expect({ exitCode: child.child.exitCode, signal: child.child.signalCode }).toEqual({ exitCode: null, signal: null });
    expect((await fetch(`${child.url}/healthz`)).status).toBe(200);

    await postgres.restart();
    const ready = await eventually(async () => (await fetch(`${child!.url}/readyz`)).status, (status) => status === 200, 10_000);
    expect(ready).toBe(200);
  } finally {
    child?.child.kill('SIGKILL');
    await child?.exit;
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await postgres.destroy();
    await rm(cwd, { recursive: true, force: true });
  }
}, 60_000);
