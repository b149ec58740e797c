/**
 * A refresh storm: every client comes back at once (after an outage, at the start of the working
 * day) with an expired access token, and refreshes. Sessions are made by a seeder whose access
 * tokens live one second, so every token sent is expired; each request carries it beside the
 * refresh token, as the Apollo link sends them.
 */
import type { Server } from './processes.js';
import { sleep } from './processes.js';
import { drive, type Load, type Measurement, OPERATIONS, PASSWORD } from './scenarios.js';
import { gql, inParallel, signUp, type Stack, startGateway } from './stack.js';

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

const SESSIONS_PER_USER = 50;

/** `count` sessions of the stack whose access tokens have expired by the time this returns. */
export async function expiredSessions(stack: Stack, count: number, tag: string): Promise<Tokens[]> {
  const seeder = await startGateway(stack, { name: `storm seeder (${stack.name})`, bcryptCost: 4, extraEnv: { ACCESS_TOKEN_TTL: '1s' } });
  try {
    const users = Math.ceil(count / SESSIONS_PER_USER);
    const sessions = (
      await inParallel(users, 16, async (u) => {
        const email = `storm-${tag}-${u}@bench.example`;
        const all = [await signUp(seeder.url, email)];
        const wanted = Math.min(SESSIONS_PER_USER, count - u * SESSIONS_PER_USER);
        while (all.length < wanted) {
          all.push((await gql<{ signIn: Tokens }>(seeder.url, OPERATIONS.signIn, { i: { email, password: PASSWORD } })).signIn);
        }
        return all;
      })
    ).flat();
    await sleep(2_000);
    return sessions;
  } finally {
    await seeder.stop();
  }
}

/** Every session refreshes once, `connections` at a time, against `gateway`. */
export function storm(sessions: Tokens[], gateway: Server, options: { connections: number; storePids: readonly number[] }): Promise<Measurement> {
  let next = 0;
  const load: Load = {
    body: '',
    amount: sessions.length,
    setupRequest(request) {
      const session = sessions[next++ % sessions.length]!;
      request.headers = { ...request.headers, authorization: `Bearer ${session.accessToken}` };
      request.body = JSON.stringify({ query: OPERATIONS.refresh, variables: { t: session.refreshToken } });
      return request;
    },
  };
  return drive(load, { url: gateway.url, seconds: 0, connections: options.connections, serverPids: [gateway.pid], storePids: options.storePids });
}
