import type { OAuthConfig, OAuthProviderName } from '../config/oauth-config.js';
import { AuthError, badInput } from '../errors/auth-error.js';
import type { Clock } from '../infra/clock.js';
import { constantTimeEqual, randomSecret, sha256 } from '../infra/random.js';
import { type OAuthProfile, type OAuthProvider, ProviderError } from '../oauth/index.js';
import type { OAuthStateStore } from '../stores/oauth-state-store.js';
import { UniqueConflict } from '../stores/store-failure.js';
import type { ProviderAccount, StoredUser, UserRepository } from '../stores/user-repository.js';
import { NICKNAME_MAX_LENGTH, normalizeEmail, normalizeNickname } from './credential-policy.js';
import type { SignedIn } from './signed-in.js';
import type { AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import type { RateLimits } from './rate-limits.js';
import type { SecondStep } from './second-step.js';
import type { Sessions } from './sessions.js';
import { profileOf } from './user-profile.js';

const STATE_TTL_MS = 10 * 60_000;
const MAX_CODE_LENGTH = 2_048;
const MAX_STATE_LENGTH = 256;
const MAX_REDIRECT_URI_LENGTH = 2_048;
// RFC 7636: 43 to 128 unreserved characters; an S256 challenge is 43 base64url characters.
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

interface FoundUser {
  user: StoredUser;
  isNewUser: boolean;
  linkedByEmail: boolean;
}

export interface OAuthLoginInput {
  provider: OAuthProviderName;
  code: string;
  redirectUri: string | null;
  state: string | null;
  codeVerifier: string | null;
}

/** Social sign-in: the authorize URL with a server-kept state and PKCE, then code → profile → user → session. */
export class OAuthLogin {
  /** `users`: a repository on a fresh EntityManager, one per operation. */
  constructor(
    private readonly users: () => UserRepository,
    private readonly providers: ReadonlyMap<OAuthProviderName, OAuthProvider>,
    private readonly states: OAuthStateStore,
    private readonly sessions: Sessions,
    private readonly limits: RateLimits,
    private readonly events: AuthEvents,
    private readonly secondStep: SecondStep,
    private readonly config: OAuthConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * The provider's authorization URL, with a state kept here. PKCE: the client's own S256
   * `codeChallenge` when it sends one, else a verifier kept with the state. A redirect URI that is
   * not https (a custom scheme any app may claim, or plain http) must bring its own challenge:
   * `state` and `code` arrive together at whoever receives that redirect, so a verifier kept here
   * would be supplied to them too.
   */
  async authorizationUrl(providerName: OAuthProviderName, redirectUri: string, codeChallenge: string | null, client: ClientInfo): Promise<{ url: string; state: string }> {
    const provider = this.provider(providerName);
    this.checkRedirectUri(redirectUri);
    if (codeChallenge !== null && (!provider.supportsPkce || !S256_CHALLENGE.test(codeChallenge))) {
      throw badInput('codeChallenge', provider.supportsPkce ? 'codeChallenge must be an S256 challenge: 43 base64url characters.' : 'This provider does not support PKCE.');
    }
    if (codeChallenge === null && provider.supportsPkce && !isHttps(redirectUri)) {
      throw badInput('codeChallenge', 'A redirect URI that is not https needs the client\'s own PKCE: send codeChallenge (S256), then codeVerifier with oauthLogin.');
    }
    // Each URL stores a state: bounded per address like logins.
    await this.limits.oauth(client);
    const state = randomSecret(32);
    const codeVerifier = provider.supportsPkce && codeChallenge === null ? randomSecret(32) : null;
    const now = this.clock.now();
    await this.states.put(state, { provider: providerName, redirectUri, codeVerifier, codeChallenge, expiresAt: now + STATE_TTL_MS }, now);
    // S256: the challenge is base64url(SHA-256(verifier)); a verifier kept here stays until the login.
    return { url: provider.authorizeUrl({ redirectUri, state, codeChallenge: codeChallenge ?? (codeVerifier && sha256(codeVerifier)) }), state };
  }

  async login(input: OAuthLoginInput, client: ClientInfo): Promise<SignedIn> {
    const provider = this.provider(input.provider);
    checkLoginInput(input);
    if (input.redirectUri !== null) this.checkRedirectUri(input.redirectUri);
    await this.limits.oauth(client);
    const pending = await this.takeState(input);
    // A state begun with the client's own challenge is finished only by the holder of its verifier.
    if (pending?.codeChallenge && (input.codeVerifier === null || !constantTimeEqual(sha256(input.codeVerifier), pending.codeChallenge))) {
      throw new AuthError('INVALID_OAUTH_STATE', { detail: 'the codeVerifier does not match the codeChallenge of this state' });
    }
    const profile = await fromProvider(async () => {
      const accessToken = await provider.exchangeCode({
        code: input.code,
        redirectUri: input.redirectUri ?? pending?.redirectUri ?? null,
        state: input.state,
        // A client that ran PKCE itself sends its verifier; otherwise the one kept with our state.
        codeVerifier: provider.supportsPkce ? (input.codeVerifier ?? pending?.codeVerifier ?? null) : null,
      });
      return provider.profile(accessToken);
    });
    const users = this.users();
    const { user, isNewUser, linkedByEmail } = await this.userFor(users, input.provider, profile);
    const detail = { provider: input.provider };
    if (linkedByEmail) this.events.record('oauth_linked', { userId: user.id, client, detail });
    // With MFA on, the provider's word is the first step only.
    await this.secondStep.challengeIfOn(user, ['fed'], client);
    try {
      const tokens = await this.sessions.startWhileEnabled(user, client, ['fed'], () => users.isEnabled(user.id));
      if (!tokens) {
        this.events.record('sign_in_failed', { userId: user.id, client, detail: { ...detail, reason: 'disabled' } });
        throw new AuthError('ACCOUNT_DISABLED');
      }
      this.events.record('oauth_login', { userId: user.id, sessionId: tokens.sessionId, client, detail: { ...detail, isNewUser } });
      return { user: profileOf(user), tokens, isNewUser };
    } catch (error) {
      // No half-written sign-up: without a session a new account goes too, so a retry starts afresh.
      if (isNewUser) await users.remove(user.id);
      throw error;
    }
  }

  private provider(name: OAuthProviderName): OAuthProvider {
    const provider = this.providers.get(name);
    if (!provider) throw new AuthError('PROVIDER_NOT_CONFIGURED');
    return provider;
  }

  private checkRedirectUri(redirectUri: string): void {
    if (redirectUri.length > MAX_REDIRECT_URI_LENGTH || !this.config.redirectUris.includes(redirectUri)) {
      throw badInput('redirectUri', 'redirectUri is not one of the allowed redirect URIs.');
    }
  }

  /** The state, consumed: it must be ours, unused, unexpired, for this provider and redirect URI. */
  private async takeState(input: OAuthLoginInput) {
    if (input.state === null) {
      if (this.config.requireState) throw new AuthError('INVALID_OAUTH_STATE', { detail: 'state is required' });
      return null;
    }
    const pending = await this.states.take(input.state, this.clock.now());
    const fits = pending !== null && pending.provider === input.provider && (input.redirectUri === null || input.redirectUri === pending.redirectUri);
    if (!fits) throw new AuthError('INVALID_OAUTH_STATE');
    return pending;
  }

  /**
   * Finds or creates the user of a provider account, in one transaction: nothing is left half
   * linked. First logins of one account queue on an advisory lock, so parallel ones make one user.
   */
  private async userFor(users: UserRepository, providerName: OAuthProviderName, profile: OAuthProfile): Promise<FoundUser> {
    const account: ProviderAccount = { provider: providerName, providerUserId: profile.id, email: profile.email };
    const email = verifiedEmail(profile);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await users.transaction(async (tx) => {
          await tx.lockProviderAccount(account);
          const linked = await tx.findByProviderAccount(account);
          const found = { isNewUser: false, linkedByEmail: false };
          if (linked) return { ...found, user: linked };
          const existing = email === null ? null : await tx.findByEmail(email);
          // A disabled account is refused (by the caller) before anything about it changes.
          if (existing?.disabledAt) return { ...found, user: existing };
          if (existing) return { ...found, user: await this.linkByEmail(tx, existing, account), linkedByEmail: true };
          const user = await tx.createSocialUser({ email, nickname: nicknameOf(profile) }, account, new Date(this.clock.now()));
          return { ...found, user, isNewUser: true };
        });
      } catch (error) {
        // The same email arrived at the same moment by another way in: the retry links to it.
        if (!(error instanceof UniqueConflict) || attempt === 2) throw error;
      }
    }
  }

  /**
   * Links a provider account to the user who owns its (provider-verified) email. If that user
   * never verified the email, whoever created the account may not own it (pre-account
   * hijacking): their password goes and their sessions end before the link commits (a store
   * outage links nothing). The user's lock is held until then: a password sign-in racing this one
   * asks after its session exists, under the same lock, and so sees the password gone and ends its
   * session itself (password-auth.ts), whichever of the two came first.
   */
  private async linkByEmail(tx: UserRepository, user: StoredUser, account: ProviderAccount): Promise<StoredUser> {
    const claimEmail = !user.emailVerified;
    if (claimEmail) {
      await tx.lockUser(user.id);
      await this.sessions.endAll(user.id);
    }
    return tx.link(user, account, new Date(this.clock.now()), { claimEmail });
  }
}

function isHttps(uri: string): boolean {
  return new URL(uri).protocol === 'https:';
}

/** Cheap checks before any provider call or state use; oversized input is refused at once. */
function checkLoginInput(input: OAuthLoginInput): void {
  if (input.code.length === 0 || input.code.length > MAX_CODE_LENGTH) throw badInput('code', `code must be 1 to ${MAX_CODE_LENGTH} characters.`);
  if (input.state !== null && (input.state.length === 0 || input.state.length > MAX_STATE_LENGTH)) throw new AuthError('INVALID_OAUTH_STATE');
  if (input.codeVerifier !== null && !CODE_VERIFIER.test(input.codeVerifier)) {
    throw badInput('codeVerifier', 'codeVerifier must be 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_", "~".');
  }
}

/** Runs the provider calls; their failures become OAUTH_PROVIDER_ERROR carrying the provider's code. */
async function fromProvider<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    throw new AuthError('OAUTH_PROVIDER_ERROR', { extras: { providerError: error.code }, detail: error.detail });
  }
}

/** The provider's email, normalised, only where the provider vouches for it. */
function verifiedEmail(profile: OAuthProfile): string | null {
  if (!profile.email || !profile.emailVerified) return null;
  try {
    return normalizeEmail(profile.email);
  } catch {
    return null;
  }
}

/** The provider's nickname cut to our limit, or a neutral one when it has none we can use. */
function nicknameOf(profile: OAuthProfile): string {
  try {
    return normalizeNickname([...(profile.nickname ?? '').trim()].slice(0, NICKNAME_MAX_LENGTH).join(''));
  } catch {
    return 'User';
  }
}
