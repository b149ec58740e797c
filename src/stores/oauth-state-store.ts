import type { OAuthProviderName } from '../config/oauth-config.js';
import { PendingOAuthState } from '../db/entities/index.js';
import type { MikroORM } from '../db/database.js';
import { sha256 } from '../infra/random.js';
import type { RedisClient } from '../infra/redis.js';
import { whileAvailable, whileReachable } from './store-failure.js';

/** What `oauthAuthorizationUrl` started and `oauthLogin` finishes. */
export interface PendingAuthorization {
  provider: OAuthProviderName;
  redirectUri: string;
  /** The PKCE verifier kept here for the login; null when the client holds its own or the provider has no PKCE. */
  codeVerifier: string | null;
  /** The S256 challenge of a client that holds its own verifier: the login must carry the verifier. */
  codeChallenge: string | null;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * Single-use OAuth states, kept server-side. States are stored only as SHA-256 hashes; `take`
 * removes the state in the same step that reads it, so two logins can never share one.
 */
export interface OAuthStateStore {
  /** Keeps `pending` under `state` until it is taken or expires; `now` lets abandoned states be cleared. */
  put(state: string, pending: PendingAuthorization, now: number): Promise<void>;
  /** The pending authorization, removed; null when unknown, already taken or expired at `now`. */
  take(state: string, now: number): Promise<PendingAuthorization | null>;
}

export class RedisOAuthStateStore implements OAuthStateStore {
  constructor(private readonly redis: RedisClient, private readonly prefix: string) {}

  put(state: string, pending: PendingAuthorization): Promise<void> {
    // Redis forgets it by itself (PXAT); `take` still checks the time, which tests move.
    return whileReachable('redis', async () => {
      await this.redis.set(this.key(state), JSON.stringify(pending), 'PXAT', pending.expiresAt);
    });
  }

  take(state: string, now: number): Promise<PendingAuthorization | null> {
    return whileReachable('redis', async () => {
      const stored = await this.redis.getdel(this.key(state));
      // States stored before codeChallenge existed have none.
      const parsed = stored === null ? null : (JSON.parse(stored) as PendingAuthorization);
      const pending = parsed && { ...parsed, codeChallenge: parsed.codeChallenge ?? null };
      return pending && now < pending.expiresAt ? pending : null;
    });
  }

  private key(state: string): string {
    return `${this.prefix}oauth-state:${sha256(state)}`;
  }
}

export class PostgresOAuthStateStore implements OAuthStateStore {
  constructor(private readonly orm: MikroORM) {}

  put(state: string, pending: PendingAuthorization, now: number): Promise<void> {
    return whileAvailable('database', async () => {
      const em = this.orm.em.fork();
      await em.insert(PendingOAuthState, { stateHash: sha256(state), ...pending, expiresAt: new Date(pending.expiresAt) });
      // Abandoned states go as new ones arrive, so the table stays small.
      await em.nativeDelete(PendingOAuthState, { expiresAt: { $lte: new Date(now) } });
    });
  }

  take(state: string, now: number): Promise<PendingAuthorization | null> {
    return whileAvailable('database', async () => {
      const [row]: Array<{ provider: OAuthProviderName; redirect_uri: string; code_verifier: string | null; code_challenge: string | null; expires_at: string | Date }> =
        await this.orm.em
          .fork()
          .execute('delete from oauth_states where state_hash = ? returning provider, redirect_uri, code_verifier, code_challenge, expires_at', [sha256(state)]);
      if (!row) return null;
      const pending = {
        provider: row.provider,
        redirectUri: row.redirect_uri,
        codeVerifier: row.code_verifier,
        codeChallenge: row.code_challenge,
        expiresAt: new Date(row.expires_at).getTime(),
      };
      return now < pending.expiresAt ? pending : null;
    });
  }
}
