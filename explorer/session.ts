import type { Fetcher, FetcherOpts, FetcherParams } from '@graphiql/toolkit';

/** The pair the panel keeps for this tab, with the email it belongs to. */
export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  email: string;
}

interface GraphQLAnswer {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string; loginState?: string; field?: string; mfaChallenge?: { id: string } } }>;
}

/** How a sign-in ended: signed in (null), a second step to take, or a message to show. */
export type SignInOutcome = null | { challengeId: string } | { message: string };

const STORAGE_KEY = 'auth-gateway-explorer-session';
const PAIR = 'accessToken refreshToken';

/**
 * The explorer's session: the tokens (kept in this tab's sessionStorage), the Authorization header
 * on every request, and one refresh when an answer says TOKEN_EXPIRED (requests waiting on it
 * share it), then a retry.
 */
export class ExplorerSession {
  private stored: StoredSession | null = read();
  private refreshing: Promise<boolean> | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly endpoint: string) {}

  get current(): StoredSession | null {
    return this.stored;
  }

  /** Calls `listener` whenever the tokens change or a request was answered; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * signUp or signIn: null once signed in; a second-step challenge to answer with completeMfa
   * (the account has MFA on); or the error message to show.
   */
  async signIn(kind: 'signUp' | 'signIn', input: { email: string; password: string; nickname?: string }): Promise<SignInOutcome> {
    const inputType = kind === 'signUp' ? 'SignUpInput' : 'SignInInput';
    return this.signedIn(kind, await this.post(`mutation($input: ${inputType}!) { ${kind}(input: $input) { ${PAIR} user { email } } }`, { input }));
  }

  /** The second step: a code from the authenticator app, or a recovery code. */
  async completeMfa(challengeId: string, code: string): Promise<SignInOutcome> {
    return this.signedIn('completeMfa', await this.post(`mutation($id: ID!, $code: String!) { completeMfa(challengeId: $id, code: $code) { ${PAIR} user { email } } }`, { id: challengeId, code }));
  }

  private signedIn(field: string, answer: GraphQLAnswer): SignInOutcome {
    const payload = answer.data?.[field] as { accessToken: string; refreshToken: string; user: { email: string } } | undefined;
    const challenge = answer.errors?.[0]?.extensions?.mfaChallenge;
    if (challenge) return { challengeId: challenge.id };
    if (!payload) return { message: messageOf(answer) };
    this.keep({ accessToken: payload.accessToken, refreshToken: payload.refreshToken, email: payload.user.email });
    return null;
  }

  /** Ends the session on the server too (logout), then forgets it here. */
  async signOut(): Promise<void> {
    if (this.stored) await this.post('mutation { logout }', {}, this.stored.accessToken).catch(() => undefined);
    this.keep(null);
  }

  /** What the gateway decides about this tab's token. */
  async loginState(): Promise<string> {
    const answer = await this.post('{ loginState }', {}, this.stored?.accessToken);
    return typeof answer.data?.loginState === 'string' ? answer.data.loginState : (answer.errors?.[0]?.extensions?.code ?? 'UNKNOWN');
  }

  /** GraphiQL's fetcher, with our Authorization header and the refresh on TOKEN_EXPIRED. */
  wrap(base: Fetcher): Fetcher {
    const wrapped = async (params: FetcherParams, options?: FetcherOpts): Promise<unknown> => {
      const run = (): Promise<unknown> => Promise.resolve<unknown>(base(params, { ...options, headers: { ...options?.headers, ...this.authorization() } }));
      const used = this.stored?.accessToken;
      let result = await run();
      if (used && loginStateOf(result) === 'TOKEN_EXPIRED' && (await this.refreshAfter(used))) result = await run();
      this.changed();
      return result;
    };
    return wrapped as Fetcher;
  }

  private authorization(): Record<string, string> {
    return this.stored ? { Authorization: `Bearer ${this.stored.accessToken}` } : {};
  }

  private refreshAfter(used: string): Promise<boolean> {
    this.refreshing ??= this.refresh(used).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refresh(used: string): Promise<boolean> {
    const stored = this.stored;
    if (!stored) return false;
    if (stored.accessToken !== used) return true;
    const answer = await this.post(`mutation($t: String!) { refresh(refreshToken: $t) { ${PAIR} } }`, { t: stored.refreshToken });
    const pair = answer.data?.refresh as { accessToken: string; refreshToken: string } | undefined;
    this.keep(pair ? { ...pair, email: stored.email } : null);
    return pair !== undefined;
  }

  private keep(session: StoredSession | null): void {
    this.stored = session;
    if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    else sessionStorage.removeItem(STORAGE_KEY);
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  private async post(query: string, variables: Record<string, unknown>, accessToken?: string): Promise<GraphQLAnswer> {
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLAnswer;
  }
}

function read(): StoredSession | null {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as StoredSession | null;
  } catch {
    return null;
  }
}

function loginStateOf(result: unknown): string | undefined {
  const errors = (result as GraphQLAnswer | null)?.errors;
  return Array.isArray(errors) ? errors.find((error) => error.extensions?.code === 'UNAUTHENTICATED')?.extensions?.loginState : undefined;
}

function messageOf(answer: GraphQLAnswer): string {
  const error = answer.errors?.[0];
  if (!error) return 'No answer.';
  const field = error.extensions?.field ? ` (${error.extensions.field})` : '';
  return `${error.extensions?.code ?? 'ERROR'}${field}: ${error.message}`;
}
