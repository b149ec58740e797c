/**
 * The soak's load: virtual users who sign up, sign in on a few devices, call `me`, refresh every
 * few seconds and sometimes log out, through the public API. Every call is recorded, and every
 * session is kept in a ledger: what the client was last told about it. An answer that could not
 * have come from a correct gateway (a live session refused, a refresh token not honoured) is a
 * ledger violation.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { sleep } from './processes.js';
import { OPERATIONS, PASSWORD } from './scenarios.js';
import type { Tokens } from './stack.js';

export interface Call {
  op: string;
  start: number;
  end: number;
  /** `ok`, the GraphQL error code, or GATEWAY_DOWN / TIMEOUT / HTTP_<status> when no answer came. */
  outcome: string;
}

export interface LedgerSession {
  readonly email: string;
  userId: string;
  sessionId: string;
  accessToken: string;
  refreshToken: string;
  lastRefresh: number;
  /** Refreshes answered with tokens. */
  refreshes: number;
  /** `logging-out`: a logout was sent and its answer lost; the session may have ended or not. */
  state: 'live' | 'logging-out' | 'ended';
  logoutAttempts: number;
}

export interface SoakUser {
  readonly email: string;
  userId: string | null;
  sessions: LedgerSession[];
  /** Sign-ins whose answer was lost: each may have left a session the ledger does not know. */
  unknownSignIns: number;
}

/** No answer, or one saying a store is away: the call may be retried, the outcome is not known. */
const UNCERTAIN = new Set(['GATEWAY_DOWN', 'TIMEOUT', 'SERVICE_UNAVAILABLE']);
const REQUEST_TIMEOUT_MS = 10_000;
const REFRESH_EVERY_MS = 3_000;
const MAX_DEVICES = 3;
/** Each user's first session is logged out after this many refreshes, so every run has ended sessions to check. */
const FIRST_SESSION_REFRESHES = 3;

export class SoakLoad {
  readonly calls: Call[] = [];
  readonly violations: string[] = [];
  readonly users: SoakUser[];
  private stopping = false;

  constructor(
    private readonly url: string,
    userCount: number,
  ) {
    const run = randomUUID().slice(0, 8);
    this.users = Array.from({ length: userCount }, (_, i) => ({ email: `soak-${run}-${i}@soak.example`, userId: null, sessions: [], unknownSignIns: 0 }));
  }

  /** Runs every virtual user until `stop`. */
  async run(): Promise<void> {
    await Promise.all(this.users.map((user) => this.live(user)));
  }

  stop(): void {
    this.stopping = true;
  }

  /** One GraphQL call, recorded; the data, or null with the outcome recorded. */
  async call<T>(op: string, query: string, variables?: object, token?: string): Promise<{ data: T | null; outcome: string; extensions?: Record<string, unknown> }> {
    const start = performance.now();
    let outcome = 'ok';
    let data: T | null = null;
    let extensions: Record<string, unknown> | undefined;
    try {
      const response = await fetch(`${this.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      try {
        const body = JSON.parse(text) as { data?: T; errors?: Array<{ extensions?: Record<string, unknown> }> };
        if (body.errors?.length) {
          extensions = body.errors[0]!.extensions;
          const code = extensions?.code;
          outcome = typeof code === 'string' ? code : `HTTP_${response.status}`;
        } else data = body.data ?? null;
      } catch {
        outcome = `HTTP_${response.status}`;
      }
    } catch (error) {
      outcome = (error as Error).name === 'TimeoutError' ? 'TIMEOUT' : 'GATEWAY_DOWN';
    }
    this.calls.push({ op, start, end: performance.now(), outcome });
    return { data, outcome, extensions };
  }

  private async live(user: SoakUser): Promise<void> {
    while (!this.stopping) {
      try {
        await this.step(user);
      } catch (error) {
        this.violations.push(`${user.email}: ${(error as Error).message}`);
      }
      await sleep(150 + Math.random() * 200);
    }
  }

  private async step(user: SoakUser): Promise<void> {
    if (user.userId === null) return this.signUp(user);
    const live = user.sessions.filter((session) => session.state !== 'ended');
    if (live.length === 0 || (live.length < MAX_DEVICES && Math.random() < 0.02)) return this.signIn(user);
    const session = live[Math.floor(Math.random() * live.length)]!;
    if (session.state === 'logging-out') return this.logout(session);
    if (Date.now() - session.lastRefresh > REFRESH_EVERY_MS) return this.refresh(session);
    // Each user's first session is logged out after a few refreshes (seconds into the run, so even
    // a short soak has ended sessions in its ledger); of the rest about one in ten in its lifetime
    // (a session lives ~20 refreshes).
    const firstDone = session === user.sessions[0] && session.refreshes >= FIRST_SESSION_REFRESHES;
    if (firstDone || Math.random() < 0.1 / 20 / 4) {
      session.state = 'logging-out';
      return this.logout(session);
    }
    return this.me(session);
  }

  private async signUp(user: SoakUser): Promise<void> {
    const { data, outcome } = await this.call<{ signUp: Tokens }>('signUp', OPERATIONS.signUp, { i: { email: user.email, password: PASSWORD, nickname: 'soak' } });
    if (data) return this.started(user, data.signUp);
    // A sign-up whose answer was lost may have happened: then the account exists.
    if (outcome === 'EMAIL_TAKEN') return this.signIn(user);
    if (!UNCERTAIN.has(outcome)) throw new Error(`signUp answered ${outcome}`);
  }

  private async signIn(user: SoakUser): Promise<void> {
    const { data, outcome } = await this.call<{ signIn: Tokens }>('signIn', OPERATIONS.signIn, { i: { email: user.email, password: PASSWORD } });
    if (data) return this.started(user, data.signIn);
    if (outcome === 'GATEWAY_DOWN' || outcome === 'TIMEOUT') user.unknownSignIns += 1;
    else if (!UNCERTAIN.has(outcome)) throw new Error(`signIn answered ${outcome}`);
  }

  private started(user: SoakUser, tokens: Tokens): void {
    const { sub, sid } = decodeJwt<{ sub: string; sid: string }>(tokens.accessToken);
    user.userId = sub;
    user.sessions.push({ email: user.email, userId: sub, sessionId: sid, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, lastRefresh: Date.now(), refreshes: 0, state: 'live', logoutAttempts: 0 });
  }

  private async me(session: LedgerSession): Promise<void> {
    const { data, outcome, extensions } = await this.call<{ me: { id: string } }>('me', 'query { me { id } }', undefined, session.accessToken);
    if (data && data.me?.id !== session.userId) throw new Error(`me answered ${JSON.stringify(data.me)} for session ${session.sessionId}`);
    if (!data && !UNCERTAIN.has(outcome)) throw new Error(`me answered ${outcome} (${String(extensions?.loginState)}) for live session ${session.sessionId}`);
  }

  private async refresh(session: LedgerSession): Promise<void> {
    const { data, outcome } = await this.call<{ refresh: Tokens }>('refresh', OPERATIONS.refresh, { t: session.refreshToken });
    if (data) {
      session.accessToken = data.refresh.accessToken;
      session.refreshToken = data.refresh.refreshToken;
      session.lastRefresh = Date.now();
      session.refreshes += 1;
      return;
    }
    // Not known whether it rotated: the same token is tried again soon, within the grace window.
    if (!UNCERTAIN.has(outcome)) {
      session.state = 'ended';
      throw new Error(`refresh of live session ${session.sessionId} answered ${outcome}`);
    }
  }

  private async logout(session: LedgerSession): Promise<void> {
    session.logoutAttempts += 1;
    const { data, outcome } = await this.call<{ logout: boolean }>('logout', OPERATIONS.logout, undefined, session.accessToken);
    // Only an earlier attempt, whose answer was lost, may have ended it already: false, or the
    // access token now naming a revoked session.
    const endedBefore = (data && !data.logout) || outcome === 'UNAUTHENTICATED';
    if (endedBefore && session.logoutAttempts === 1) throw new Error(`logout of live session ${session.sessionId} answered ${outcome === 'ok' ? 'false' : outcome}`);
    if (data || endedBefore) {
      session.state = 'ended';
      return;
    }
    if (!UNCERTAIN.has(outcome)) throw new Error(`logout of session ${session.sessionId} answered ${outcome}`);
  }
}
