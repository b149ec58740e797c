import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startGateway } from '../../src/app/gateway.js';
import { loadConfig } from '../../src/config/config.js';
import { createTestDatabase, TEST_KEY_ENCRYPTION_KEY } from '../helpers/test-app.js';

/** Review item 16: the start-up line says which mode the gateway runs in, loudly when development is only the default. */

async function startUpLines(env: Record<string, string>): Promise<Array<{ level: number; msg: string }>> {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string }));
      done();
    },
  });
  const config = loadConfig({ PORT: '0', BCRYPT_COST: '4', DATABASE_URL: await createTestDatabase(), KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY, ...env });
  const gateway = await startGateway(config, { logger: pino({ level: 'info' }, sink) });
  await gateway.close();
  return lines;
}

it('NODE_ENV unset → "mode: development" and a warning that development was reached by default', async () => {
  const lines = await startUpLines({});
  expect(lines.find((line) => line.msg.includes('listening on'))!.msg).toContain('mode: development');
  const warning = lines.find((line) => line.msg.includes('NODE_ENV is not set'));
  expect(warning?.level).toBe(40);
  expect(warning?.msg).toMatch(/DEVELOPMENT mode \(stack traces in errors, introspection, Sandbox\)/);
});

it.each(['production', 'development'])('NODE_ENV=%s set → that mode in the start-up line, no warning', async (mode) => {
  const lines = await startUpLines({ NODE_ENV: mode });
  expect(lines.find((line) => line.msg.includes('listening on'))!.msg).toContain(`mode: ${mode}`);
  expect(lines.some((line) => line.msg.includes('NODE_ENV is not set'))).toBe(false);
});
