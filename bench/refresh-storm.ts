/**
 * A refresh storm: every client comes back at once (after an outage, at the start of the working
 * day) with an expired access token, and refreshes. Sessions are made by a seeder whose access
 * tokens live one second, so every token sent is expired; each request carries it beside the
 * refresh token, as the Apollo link sends them.
 */
import type { Server } from './processes.js';
import { sleep } from './processes.js';
import { drive, loads, type Measurement } from './scenarios.js';
import { sessionsFor, type Stack, startSeeder, type Tokens } from './stack.js';

/** `count` sessions of the stack whose access tokens have expired by the time this returns. */
export async function expiredSessions(stack: Stack, count: number, tag: string): Promise<Tokens[]> {
  const seeder = await startSeeder(stack, { name: `storm seeder (${stack.name})`, extraEnv: { ACCESS_TOKEN_TTL: '1s' } });
  try {
    const sessions = await sessionsFor(seeder.url, `storm-${tag}`, count);
    await sleep(2_000);
    return sessions;
  } finally {
    await seeder.stop();
  }
}

/** Every session refreshes once, `connections` at a time, against `gateway`. */
export function storm(sessions: Tokens[], gateway: Server, options: { connections: number; storePids: readonly number[] }): Promise<Measurement> {
  return drive(loads.refreshWithExpiredToken(sessions), { url: gateway.url, seconds: 0, connections: options.connections, serverPids: [gateway.pid], storePids: options.storePids });
}
