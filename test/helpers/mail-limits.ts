import type { TestApp } from './test-app.js';

/**
 * Forgets the per-address "one mail a minute" windows, as a minute passing would: the counters
 * keep real time (Redis or PostgreSQL expiry), which the test clock does not move.
 */
export async function forgetMailMinute(app: TestApp): Promise<void> {
  if (app.gateway.sessionStore === 'postgres') {
    await app.sql("delete from rate_limits where key like 'mail-to-minute%'");
    return;
  }
  const redis = app.redis();
  const keys = await redis.keys(`${app.redisPrefix}rate:mail-to-minute*`);
  if (keys.length > 0) await redis.del(...keys);
}
