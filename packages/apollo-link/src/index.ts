import { ApolloLink } from '@apollo/client';
import { defer, from, mergeMap, type Observable, of } from 'rxjs';

/** The pair the gateway's signIn, completeMfa or refresh answered. */
export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/**
 * Where the client keeps its tokens (memory, localStorage…). Shared by every tab that shares the
 * storage; `set(null)` signs out.
 */
export interface TokenStore {
  get(): Tokens | null | Promise<Tokens | null>;
  set(tokens: Tokens | null): void | Promise<void>;
}

/** Why the session is over: a refresh refused for good, or the session revoked on the server. */
export type SignedOutReason = 'REFRESH_TOKEN_REUSED' | 'REFRESH_TOKEN_EXPIRED' | 'INVALID_REFRESH_TOKEN' | 'SESSION_REVOKED';

export interface AuthLinkOptions {
  /** The gateway's GraphQL endpoint, where `refresh` is sent. */
  uri: string;
  tokens: TokenStore;
  /** Called once the session is over; the tokens are cleared first. Send the user to sign in. */
  onSignedOut?: (reason: SignedOutReason) => void;
  /** The fetch used for `refresh` (default: the global one). */
  fetch?: typeof fetch;
  /**
   * The BroadcastChannel and Web Lock name shared by the app's tabs (default
   * `auth-gateway-tokens`): one tab refreshes while the others wait, then all use its tokens.
   * `false`: this client alone.
   */
  channel?: string | false;
}

const SIGNED_OUT_CODES: readonly string[] = ['REFRESH_TOKEN_REUSED', 'REFRESH_TOKEN_EXPIRED', 'INVALID_REFRESH_TOKEN'];
const REFRESH = 'mutation Refresh($refreshToken: String!) { refresh(refreshToken: $refreshToken) { accessToken refreshToken } }';

interface GraphQLErrorLike {
  extensions?: { code?: unknown; loginState?: unknown };
}
/** The Web Locks API, as far as it is used here. */
interface Locks {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}
type Announcement = { type: 'tokens'; tokens: Tokens } | { type: 'signed-out'; reason: SignedOutReason };

/** The login state an answer reports, when it was refused as UNAUTHENTICATED. */
function loginStateOf(result: { errors?: readonly GraphQLErrorLike[] }): unknown {
  return result.errors?.find((error) => error.extensions?.code === 'UNAUTHENTICATED')?.extensions?.loginState;
}

/**
 * An Apollo Client link for auth-gateway. It puts `Authorization: Bearer <accessToken>` on every
 * operation. An answer saying UNAUTHENTICATED with loginState TOKEN_EXPIRED makes it refresh, once
 * for every operation waiting on it (one `refresh` in flight per client, and across tabs through
 * a Web Lock and a BroadcastChannel where the platform has them), then retry the operation once
 * with the new token. A refused refresh (REFRESH_TOKEN_REUSED, REFRESH_TOKEN_EXPIRED,
 * INVALID_REFRESH_TOKEN) or a revoked session (SESSION_REVOKED) clears the tokens and calls
 * `onSignedOut`; the operation then answers with the error it got.
 *
 * Put it before the HttpLink: `ApolloLink.from([createAuthLink(options), new HttpLink({ uri })])`.
 */
export function createAuthLink(options: AuthLinkOptions): ApolloLink & { close(): void } {
  const session = new RefreshingSession(options);
  const link = new ApolloLink((operation, forward) => {
    const send = (accessToken: string | null) =>
      defer(() => {
        operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => ({
          headers: { ...headers, ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}) },
        }));
        return forward(operation);
      });
    return from(session.accessToken()).pipe(
      mergeMap((used) =>
        send(used).pipe(
          mergeMap((result): Observable<ApolloLink.Result> => {
            const state = loginStateOf(result as { errors?: readonly GraphQLErrorLike[] });
            if (state === 'SESSION_REVOKED') return from(session.signOut('SESSION_REVOKED').then(() => result));
            if (state !== 'TOKEN_EXPIRED' || used === null) return of(result);
            return from(session.refreshedAfter(used)).pipe(mergeMap((fresh) => (fresh === null ? of(result) : send(fresh))));
          }),
        ),
      ),
    );
  });
  return Object.assign(link, { close: () => session.close() });
}

/** The tokens of one client: who refreshes, and telling the other tabs. */
class RefreshingSession {
  private inFlight: Promise<string | null> | null = null;
  private readonly channel: InstanceType<typeof BroadcastChannel> | null;
  private readonly locks: Locks | null;
  /** The Web Lock that lets one tab refresh at a time. */
  private readonly lockName: string;

  constructor(private readonly options: AuthLinkOptions) {
    const name = options.channel === undefined ? 'auth-gateway-tokens' : options.channel;
    this.lockName = `${name}:refresh`;
    // Where the platform has them: browsers, Node 22+.
    this.channel = name !== false && typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null;
    this.locks = name !== false && typeof navigator !== 'undefined' ? ((navigator as { locks?: Locks }).locks ?? null) : null;
    if (this.channel) this.channel.onmessage = (event: { data: unknown }) => void this.heard(event.data as Announcement);
  }

  async accessToken(): Promise<string | null> {
    return (await this.options.tokens.get())?.accessToken ?? null;
  }

  /**
   * The access token to retry with after `used` expired: one refresh for everyone who asks while
   * it runs; none when the stored token is already newer than `used` (another request or tab
   * refreshed). Null when the session is over.
   */
  refreshedAfter(used: string): Promise<string | null> {
    this.inFlight ??= this.exclusively(() => this.refreshUnlessNewer(used)).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  async signOut(reason: SignedOutReason): Promise<void> {
    await this.options.tokens.set(null);
    this.channel?.postMessage({ type: 'signed-out', reason } satisfies Announcement);
    this.options.onSignedOut?.(reason);
  }

  close(): void {
    this.channel?.close();
  }

  private exclusively<T>(work: () => Promise<T>): Promise<T> {
    return this.locks ? this.locks.request(this.lockName, work) : work();
  }

  private async refreshUnlessNewer(used: string): Promise<string | null> {
    const stored = await this.options.tokens.get();
    if (!stored) return null;
    if (stored.accessToken !== used) return stored.accessToken;
    const answer = await this.requestRefresh(stored.refreshToken);
    if ('tokens' in answer) {
      await this.options.tokens.set(answer.tokens);
      this.channel?.postMessage({ type: 'tokens', tokens: answer.tokens } satisfies Announcement);
      return answer.tokens.accessToken;
    }
    if (answer.code !== null && SIGNED_OUT_CODES.includes(answer.code)) await this.signOut(answer.code as SignedOutReason);
    return null;
  }

  private async requestRefresh(refreshToken: string): Promise<{ tokens: Tokens } | { code: string | null }> {
    const fetchImpl = this.options.fetch ?? fetch;
    const response = await fetchImpl(this.options.uri, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query: REFRESH, variables: { refreshToken } }),
    });
    const body = (await response.json().catch(() => ({}))) as { data?: { refresh?: Tokens } | null; errors?: GraphQLErrorLike[] };
    if (body.data?.refresh) return { tokens: body.data.refresh };
    const code = body.errors?.[0]?.extensions?.code;
    return { code: typeof code === 'string' ? code : null };
  }

  /** Another tab refreshed (its tokens are ours now, where the storage is not shared) or signed out. */
  private async heard(message: Announcement): Promise<void> {
    if (message.type === 'tokens') {
      await this.options.tokens.set(message.tokens);
      return;
    }
    await this.options.tokens.set(null);
    this.options.onSignedOut?.(message.reason);
  }
}
