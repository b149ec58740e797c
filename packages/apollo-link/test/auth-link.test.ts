import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { loginState, signUp } from '../../../test/helpers/accounts.js';
import { bearer } from '../../../test/helpers/graphql-client.js';
import { createTestApp, type StoreKind, type TestApp } from '../../../test/helpers/test-app.js';
import { createAuthLink, type SignedOutReason, type Tokens, type TokenStore } from '../src/index.js';

/** Tokens in memory, shared by the clients given it (as tabs share localStorage). */
function memoryStore(initial: Tokens): TokenStore & { current: Tokens | null } {
  const store = {
    current: initial as Tokens | null,
    get: () => store.current,
    set: (tokens: Tokens | null) => {
      store.current = tokens;
    },
  };
  return store;
}

describe.each<StoreKind>(['redis', 'postgres'])('@auth-gateway/apollo-link against the gateway (sessions in %s, ACCESS_TOKEN_TTL=2s)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ ACCESS_TOKEN_TTL: '2s', REFRESH_REUSE_GRACE: '0s' }, { store });
  });
  afterAll(() => app?.close());

  /** A real Apollo Client through the link; `refreshes` counts the refresh calls it makes. */
  function client(tokens: TokenStore, channel: string | false = false) {
    const counted = { refreshes: 0, signedOut: [] as SignedOutReason[] };
    const uri = `${app.url}/graphql`;
    const countingFetch: typeof fetch = (input, init) => {
      counted.refreshes += 1;
      return fetch(input, init);
    };
    const link = createAuthLink({ uri, tokens, channel, fetch: countingFetch, onSignedOut: (reason) => counted.signedOut.push(reason) });
    const apollo = new ApolloClient({ link: ApolloLink.from([link, new HttpLink({ uri })]), cache: new InMemoryCache() });
    return { apollo, counted, close: () => link.close() };
  }

  /** `me`, under a distinct alias so Apollo does not merge concurrent identical queries into one request. */
  const me = (apollo: ApolloClient, i: number) => apollo.query<Record<string, { id: string }>>({ query: gql(`query Me${i} { me${i}: me { id } }`), fetchPolicy: 'no-cache' });

  it('50 concurrent queries across an expiry make exactly one refresh, and every one answers', async () => {
    const user = await signUp(app);
    const tokens = memoryStore({ accessToken: user.accessToken, refreshToken: user.refreshToken });
    const { apollo, counted, close } = client(tokens);
    try {
      const before = Array.from({ length: 25 }, (_, i) => me(apollo, i));
      app.clock.advance(2_001);
      const after = Array.from({ length: 25 }, (_, i) => me(apollo, 25 + i));
      const results = await Promise.all([...before, ...after]);
      expect(results.map((result, i) => result.data?.[`me${i}`]?.id)).toEqual(Array(50).fill(user.user.id));
      expect(counted.refreshes).toBe(1);
      expect(tokens.current!.refreshToken).not.toBe(user.refreshToken);
      expect(counted.signedOut).toEqual([]);
    } finally {
      close();
    }
  });

  it('two tabs sharing storage, a BroadcastChannel and a Web Lock: 30 queries each across an expiry, one refresh in all', async () => {
    const user = await signUp(app);
    const tokens = memoryStore({ accessToken: user.accessToken, refreshToken: user.refreshToken });
    const channel = `tabs-${store}-${user.user.id}`;
    const [first, second] = [client(tokens, channel), client(tokens, channel)];
    try {
      app.clock.advance(2_001);
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => me((i % 2 === 0 ? first : second).apollo, i)));
      expect(results.every((result, i) => result.data?.[`me${i}`]?.id === user.user.id)).toBe(true);
      expect(first.counted.refreshes + second.counted.refreshes).toBe(1);
    } finally {
      first.close();
      second.close();
    }
  });

  it('a revoked session → the query fails UNAUTHENTICATED, onSignedOut(SESSION_REVOKED) once, tokens cleared, no refresh', async () => {
    const user = await signUp(app);
    const tokens = memoryStore({ accessToken: user.accessToken, refreshToken: user.refreshToken });
    const { apollo, counted, close } = client(tokens);
    try {
      await app.gql('mutation { logout }', undefined, bearer(user.accessToken));
      expect(await loginState(app, user.accessToken)).toBe('SESSION_REVOKED');
      await expect(me(apollo, 0)).rejects.toThrow('You must be signed in.');
      expect(counted.signedOut).toEqual(['SESSION_REVOKED']);
      expect(counted.refreshes).toBe(0);
      expect(tokens.current).toBeNull();
    } finally {
      close();
    }
  });

  it('a refresh token replayed by someone else first → REFRESH_TOKEN_REUSED: onSignedOut, tokens cleared, the query fails', async () => {
    const user = await signUp(app);
    const tokens = memoryStore({ accessToken: user.accessToken, refreshToken: user.refreshToken });
    const { apollo, counted, close } = client(tokens);
    try {
      // A thief refreshes with the same token first; the client's refresh is then a replay.
      await app.gql('mutation($t: String!) { refresh(refreshToken: $t) { accessToken } }', { t: user.refreshToken });
      app.clock.advance(2_001);
      await expect(me(apollo, 0)).rejects.toThrow('You must be signed in.');
      expect(counted.refreshes).toBe(1);
      expect(counted.signedOut).toEqual(['REFRESH_TOKEN_REUSED']);
      expect(tokens.current).toBeNull();
    } finally {
      close();
    }
  });

  it('an expired session → REFRESH_TOKEN_EXPIRED: onSignedOut, tokens cleared', async () => {
    const user = await signUp(app);
    const tokens = memoryStore({ accessToken: user.accessToken, refreshToken: user.refreshToken });
    const { apollo, counted, close } = client(tokens);
    try {
      app.clock.advance(15 * 86_400_000);
      await expect(me(apollo, 0)).rejects.toThrow('You must be signed in.');
      expect(counted.signedOut).toEqual(['REFRESH_TOKEN_EXPIRED']);
      expect(tokens.current).toBeNull();
    } finally {
      close();
    }
  });
});
