import { PASSWORD, signIn, signUp, uniqueEmail } from '../../helpers/accounts.js';
import { errorCode } from '../../helpers/graphql-client.js';
import { type RedisServer, startRedisServer } from '../../helpers/redis-server.js';
import { challengeOf, codeAt, completeMfa, enrolTotp } from '../../helpers/second-factor.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

describe('the second step while Redis (challenges, counters) is down', () => {
  let redis: RedisServer | undefined;
  let app: TestApp | undefined;
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('completeMfa → SERVICE_UNAVAILABLE, and the code is not spent: its step stays unused', async () => {
    redis = await startRedisServer();
    app = await createTestApp({ REDIS_URL: redis.url });
    const email = uniqueEmail();
    const user = await signUp(app, email);
    const { secret } = await enrolTotp(app, user.accessToken);
    const challenge = challengeOf(await signIn(app, email, PASSWORD));
    const lastStep = async () => (await app!.sql<{ last_step: number }>('select last_step from totp_factors where user_id = $1', [user.user.id]))[0]!.last_step;
    const before = await lastStep();
    await redis.stop();
    expect(errorCode(await completeMfa(app, challenge.id, codeAt(app, secret)))).toBe('SERVICE_UNAVAILABLE');
    expect(errorCode(await signIn(app, email, PASSWORD))).toBe('SERVICE_UNAVAILABLE');
    expect(await lastStep()).toBe(before);
  });
});
