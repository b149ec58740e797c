import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../../../src/infra/embedded-postgres.js';
import { PASSWORD, signUp, uniqueEmail } from '../../helpers/accounts.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { type RedisServer, startRedisServer } from '../../helpers/redis-server.js';
import { createTestApp } from '../../helpers/test-app.js';

const SIGN_IN = 'mutation($input: SignInInput!) { signIn(input: $input) { accessToken } }';
const SIGN_UP = 'mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }';

describe('internal errors', () => {
  it.each(['test', 'production'])('are masked in NODE_ENV=%s: no stack, no SQL, an error id instead', async (nodeEnv) => {
    const app = await createTestApp({ NODE_ENV: nodeEnv });
    try {
      const user = await signUp(app);
      await app.sql('alter table users rename column nickname to nick');
      const response = await app.gql('{ me { id nickname } }', undefined, bearer(user.accessToken));
      expect(response.errors).toHaveLength(1);
      expect(response.errors![0]!.message).toBe('Internal server error.');
      expect(response.errors![0]!.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', errorId: expect.any(String) });
      expect(response.text).not.toMatch(/nickname"? does not exist|select|stacktrace|node_modules|127\.0\.0\.1/i);
    } finally {
      await app.close();
    }
  });
});

describe('a Redis outage', () => {
  let redis: RedisServer;
  it('answers SERVICE_UNAVAILABLE within 2 s, writes no half account, and /readyz names redis', async () => {
    redis = await startRedisServer();
    const app = await createTestApp({ REDIS_URL: redis.url });
    try {
      await signUp(app);
      await redis.stop();
      const email = uniqueEmail();
      const started = Date.now();
      const signUpResponse = await app.gql(SIGN_UP, { input: { email, password: PASSWORD, nickname: 'Lost' } });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(errorCode(signUpResponse)).toBe('SERVICE_UNAVAILABLE');
      expect(signUpResponse.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|6379/);
      expect(await app.sql('select id from users where email = $1', [email])).toHaveLength(0);

      const signIn = await app.gql(SIGN_IN, { input: { email, password: PASSWORD } });
      expect(['SERVICE_UNAVAILABLE', 'INVALID_CREDENTIALS']).toContain(errorCode(signIn));

      const ready = await fetch(`${app.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'unavailable', down: ['redis'] });
    } finally {
      await app.close();
      await redis.stop();
    }
  });
});

describe('a PostgreSQL outage', () => {
  it('answers SERVICE_UNAVAILABLE within 2 s and /readyz names the database', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'auth-gateway-outage-'));
    let database: EmbeddedDatabase | undefined = await startEmbeddedPostgres(dataDir, () => undefined);
    const app = await createTestApp({}, { databaseUrl: database.url });
    try {
      const user = await signUp(app);
      await database.stop();
      database = undefined;
      const started = Date.now();
      const response = await app.gql(SIGN_IN, { input: { email: user.user.email, password: PASSWORD } });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(errorCode(response)).toBe('SERVICE_UNAVAILABLE');
      const ready = await fetch(`${app.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'unavailable', down: ['database'] });
    } finally {
      await app.close();
      await database?.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
