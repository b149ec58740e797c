import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startGateway } from '../../../src/app/gateway.js';
import { loadConfig } from '../../../src/config/config.js';
import { postGraphQL } from '../../helpers/graphql-client.js';
import { PASSWORD, uniqueEmail } from '../../helpers/accounts.js';

function capturingLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().trim().split('\n'));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), messages: () => lines.map((line) => JSON.parse(line).msg as string) };
}

describe('embedded defaults (no DATABASE_URL, no REDIS_URL)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'auth-gateway-embedded-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('runs on an embedded PostgreSQL under DATA_DIR with sessions in it, says so, and keeps data across restarts', async () => {
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', BCRYPT_COST: '4', DATA_DIR: dataDir });
    const email = uniqueEmail();
    const first = capturingLogger();
    const gateway = await startGateway(config, { logger: first.logger });
    try {
      expect(gateway.sessionStore).toBe('postgres');
      expect(first.messages().join('\n')).toMatch(/database: embedded PostgreSQL in .*; sessions: PostgreSQL \(no REDIS_URL\)/);
      const signUp = await postGraphQL(`${gateway.url}/graphql`, 'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }', {
        i: { email, password: PASSWORD, nickname: 'Embedded' },
      });
      expect(signUp.errors).toBeUndefined();
    } finally {
      await gateway.close();
    }

    const again = await startGateway(config, { logger: capturingLogger().logger });
    try {
      const signIn = await postGraphQL<{ signIn: { user: { email: string } } }>(
        `${again.url}/graphql`,
        'mutation($i: SignInInput!) { signIn(input: $i) { user { email } } }',
        { i: { email, password: PASSWORD } },
      );
      expect(signIn.data?.signIn.user.email).toBe(email);
    } finally {
      await again.close();
    }
    // Shutdown stopped the embedded server: no postgres process runs on that directory any more.
    expect(spawnSync('pgrep', ['-f', path.join(dataDir, 'postgres')]).status).toBe(1);
  });
});
