import { AuthError } from '../errors/auth-error.js';
import type { Clock } from '../infra/clock.js';
import { randomSecret, sha256 } from '../infra/random.js';
import type { AccountStore } from '../stores/account-store.js';
import type { ChallengeStore } from '../stores/challenge-store.js';
import type { StoredUser } from '../stores/user-repository.js';
import type { AuthMethod } from './access-tokens.js';
import type { AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import type { SignedIn } from './signed-in.js';
import { type FactorCodes, MFA_METHODS } from './factor-codes.js';
import type { Sessions } from './sessions.js';
import { profileOf } from './user-profile.js';

/** A challenge lives this long… */
const CHALLENGE_TTL_MS = 5 * 60_000;
/** …and dies at this many wrong codes. */
const MAX_WRONG_CODES = 5;

/** What a challenge remembers of the first step. */
interface FirstStep {
  userId: string;
  /** How the first step authenticated (pwd, fed). */
  amr: AuthMethod[];
  /** SHA-256 of the password hash the first step matched: a password changed since kills the challenge. */
  password: string | null;
}

/**
 * The second step of a sign-in for an account with MFA on: the first step (a password, a
 * provider) ends in MFA_REQUIRED with a challenge, and completeMfa answers it with a code.
 */
export class SecondStep {
  constructor(
    private readonly accounts: AccountStore,
    private readonly challenges: ChallengeStore,
    private readonly codes: FactorCodes,
    private readonly sessions: Sessions,
    private readonly events: AuthEvents,
    private readonly clock: Clock,
  ) {}

  /**
   * After a first step (`amr`), for an enabled account with MFA on: MFA_REQUIRED with a new
   * challenge, and no session. Otherwise nothing: the first step signs in alone.
   */
  async challengeIfOn(user: StoredUser, amr: AuthMethod[], client: ClientInfo): Promise<void> {
    if (user.mfaEnabled && user.disabledAt === null) await this.challenge(user, amr, client);
  }

  private async challenge(user: StoredUser, amr: AuthMethod[], client: ClientInfo): Promise<never> {
    const id = randomSecret(32);
    const now = this.clock.now();
    const password = amr.includes('pwd') && user.passwordHash !== null ? sha256(user.passwordHash) : null;
    await this.challenges.put(challengeKey(id), { userId: user.id, amr, password } satisfies FirstStep, now + CHALLENGE_TTL_MS, now);
    this.events.record('mfa_challenged', { userId: user.id, client, detail: { firstStep: amr.join(' ') } });
    throw new AuthError('MFA_REQUIRED', { extras: { mfaChallenge: { id, expiresIn: CHALLENGE_TTL_MS / 1000, methods: [...MFA_METHODS] } } });
  }

  /**
   * Answers a challenge with a TOTP or recovery code: the session starts with both factors in its
   * `amr` (and `mfa` in its scope). A wrong code is INVALID_MFA_CODE and counts against the
   * account's lock; at the fifth the challenge dies (INVALID_MFA_CHALLENGE from then on).
   */
  async complete(challengeId: string, code: string, client: ClientInfo): Promise<SignedIn> {
    const key = challengeKey(challengeId);
    const pending = await this.challenges.peek<FirstStep>(key, this.clock.now());
    if (!pending) throw new AuthError('INVALID_MFA_CHALLENGE');
    const users = this.accounts.users();
    const user = await users.findById(pending.userId);
    if (!user || !samePassword(pending, user)) throw new AuthError('INVALID_MFA_CHALLENGE');
    try {
      await this.codes.counted(user, client, () => this.codes.use(user.id, code, client));
    } catch (error) {
      if (error instanceof AuthError && error.code === 'INVALID_MFA_CODE') await this.challenges.fail(key, MAX_WRONG_CODES);
      throw error;
    }
    // Used once: of two right answers racing, one takes the challenge.
    const firstStep = await this.challenges.take<FirstStep>(key, this.clock.now());
    if (!firstStep) throw new AuthError('INVALID_MFA_CHALLENGE');
    const amr: AuthMethod[] = [...firstStep.amr, 'otp', 'mfa'];
    const tokens = await this.sessions.startWhileEnabled(user, client, amr, () => users.isEnabled(user.id));
    if (!tokens) throw new AuthError('ACCOUNT_DISABLED');
    this.events.record('sign_in', { userId: user.id, sessionId: tokens.sessionId, client, detail: { amr: amr.join(' ') } });
    return { user: profileOf(user), tokens, isNewUser: false };
  }
}

/** The password the first step proved is still the account's (a reset or change since voids it). */
function samePassword(firstStep: FirstStep, user: StoredUser): boolean {
  return firstStep.password === null || (user.passwordHash !== null && firstStep.password === sha256(user.passwordHash));
}

function challengeKey(id: string): string {
  return `mfa:${id}`;
}
