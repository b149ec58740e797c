import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { User } from '../../src/db/entities/index.js';
import { createLogger } from '../../src/infra/logger.js';
import { openDatabase } from '../../src/db/database.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { scrubText } from '../../src/infra/scrub.js';
import { createTestDatabase } from '../helpers/test-app.js';

/** Review item 14: driver errors logged as they are carry emails and hashes (`Key (email)=(…)`, SQL values). */

function capture() {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { logger: createLogger('info', sink), text: () => text };
}

it('a unique-violation from PostgreSQL, logged as an error, names the column but neither the email nor the hash', async () => {
  const orm = await openDatabase(await createTestDatabase(), MIGRATIONS);
  const email = `scrub.${randomUUID()}@example.com`;
  const passwordHash = '$2b$04$abcdefghijklmnopqrstuuRZ5bXQvhrY3mWcM7cNq0Hs6C7ZmN1uq';
  const row = () => ({ id: randomUUID(), email, passwordHash, nickname: 'N', emailVerified: false, disabledAt: null, createdAt: new Date(), updatedAt: new Date() });
  let failure: unknown;
  try {
    await orm.em.fork().insert(User, row());
    await orm.em.fork().insert(User, row());
  } catch (error) {
    failure = error;
  } finally {
    await orm.close(true);
  }
  expect(String((failure as Error).message)).toContain(email);
  const { logger, text } = capture();
  logger.error({ err: failure }, 'internal error');
  logger.flush();
  const logged = text();
  expect(logged).toContain('internal error');
  expect(logged).toMatch(/duplicate key/);
  expect(logged).not.toContain(email);
  expect(logged).not.toContain(passwordHash);
  expect(logged).not.toContain(email.split('@')[0]!);
});

it.each([
  ['Key (email)=(ada@example.com) already exists.', 'Key (email)=([redacted]) already exists.'],
  ["insert into \"users\" (\"email\") values ('ada@example.com') - duplicate key", "insert into \"users\" (\"email\") values ('[redacted]') - duplicate key"],
  ['reach ada@example.com now', 'reach [email] now'],
  ['connect ECONNREFUSED 127.0.0.1:5432', 'connect ECONNREFUSED 127.0.0.1:5432'],
])('scrubText(%j) → %j', (raw, scrubbed) => {
  expect(scrubText(raw)).toBe(scrubbed);
});
