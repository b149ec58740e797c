import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { decodeClientDataJSON, isoBase64URL } from '@simplewebauthn/server/helpers';
import type { SecondFactorConfig } from '../config/second-factor-config.js';
import { AuthError, badInput } from '../errors/auth-error.js';
import type { Clock } from '../infra/clock.js';
import type { AccountStore } from '../stores/account-store.js';
import type { ChallengeStore } from '../stores/challenge-store.js';
import type { StoredPasskey } from '../stores/passkey-store.js';
import { UniqueConflict } from '../stores/store-failure.js';
import type { AccountMail } from './account-mail.js';
import type { AuthEvents } from './auth-events.js';
import type { ClientInfo } from './client-info.js';
import { type Login, requireUser, signedInAccount } from './login.js';
import type { SignedIn } from './signed-in.js';
import type { RateLimits } from './rate-limits.js';
import type { Proof, Reauthentication } from './reauthentication.js';
import type { Sessions } from './sessions.js';
import { profileOf } from './user-profile.js';

/** A ceremony's challenge lives this long, and is used once. */
const CHALLENGE_TTL_MS = 5 * 60_000;
// EdDSA, ES256, RS256: keys every supported Node verifies (not the post-quantum ML-DSA a newer
// browser may offer first, which older runtimes cannot check).
const ALGORITHMS = [-8, -7, -257];
const MAX_NAME_LENGTH = 64;

/** What the API shows of a passkey. */
export type PasskeyInfo = Pick<StoredPasskey, 'id' | 'name' | 'deviceType' | 'createdAt' | 'lastUsedAt'>;

/**
 * Passkeys (WebAuthn, discoverable credentials with user verification): registered by a signed-in
 * user, then used to sign in without typing an email. A user-verified passkey is two factors at
 * once (the device, and the PIN or biometric that unlocked it): `amr` hwk or swk, and mfa.
 */
export class Passkeys {
  constructor(
    private readonly accounts: AccountStore,
    private readonly challenges: ChallengeStore,
    private readonly mail: AccountMail,
    private readonly reauthentication: Reauthentication,
    private readonly sessions: Sessions,
    private readonly limits: RateLimits,
    private readonly events: AuthEvents,
    private readonly config: SecondFactorConfig,
    private readonly clock: Clock,
  ) {}

  /** Creation options for the browser (password needed when the account has one, a code when MFA is on). */
  async startRegistration(login: Login, proof: Proof, client: ClientInfo): Promise<unknown> {
    const { user } = await signedInAccount(login, this.accounts.users());
    await this.reauthentication.confirm(user, proof, client);
    const existing = await this.accounts.passkeys().listForUser(user.id);
    const options = await generateRegistrationOptions({
      rpName: this.config.webauthnRpName,
      rpID: this.config.webauthnRpId,
      userName: user.email ?? user.nickname,
      userDisplayName: user.nickname,
      userID: userHandleOf(user.id),
      attestationType: 'none',
      excludeCredentials: existing.map((passkey) => ({ id: passkey.id, transports: passkey.transports })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      supportedAlgorithmIDs: ALGORITHMS,
    });
    await this.putChallenge('registration', options.challenge, { userId: user.id });
    return options;
  }

  /** Verifies the browser's registration response and keeps the passkey; a notice is mailed. */
  async finishRegistration(login: Login, response: unknown, name: string | null, client: ClientInfo): Promise<PasskeyInfo> {
    const { claims, user } = await signedInAccount(login, this.accounts.users());
    const label = checkName(name);
    const registration = shaped<RegistrationResponseJSON>(response);
    const challenge = await this.takeChallenge<{ userId: string }>('registration', registration);
    if (challenge.payload.userId !== user.id) throw new AuthError('INVALID_PASSKEY_CHALLENGE');
    const verified = await verifyRegistrationResponse({
      response: registration,
      expectedChallenge: challenge.value,
      expectedOrigin: [...this.config.webauthnOrigins],
      expectedRPID: this.config.webauthnRpId,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    }).catch(() => null);
    if (!verified?.verified) throw badInput('response', 'The passkey could not be verified.');
    const { credential, credentialDeviceType, credentialBackedUp } = verified.registrationInfo;
    const now = new Date(this.clock.now());
    const passkey: StoredPasskey = {
      id: credential.id,
      userId: user.id,
      publicKey: isoBase64URL.fromBuffer(credential.publicKey),
      counter: credential.counter,
      transports: credential.transports ?? [],
      deviceType: credentialDeviceType,
      backedUp: credentialBackedUp,
      name: label ?? `Passkey ${(await this.accounts.passkeys().listForUser(user.id)).length + 1}`,
      createdAt: now,
      lastUsedAt: null,
    };
    try {
      await this.accounts.transaction(async (writes) => {
        await writes.passkeys.add(passkey);
        await this.mail.queueNotice(writes.outbox, 'passkey_added', { userId: user.id, email: user.email }, client);
      });
    } catch (error) {
      if (error instanceof UniqueConflict) throw badInput('response', 'This passkey is registered already.');
      throw error;
    }
    this.mail.committed();
    this.events.record('passkey_added', { userId: user.id, sessionId: claims.sessionId, client, detail: { deviceType: credentialDeviceType } });
    return passkey;
  }

  async list(login: Login): Promise<PasskeyInfo[]> {
    return this.accounts.passkeys().listForUser(requireUser(login).userId);
  }

  /** Removes one of the caller's passkeys; false when it is not theirs or gone. */
  async remove(login: Login, id: string, client: ClientInfo): Promise<boolean> {
    const { userId, sessionId } = requireUser(login);
    const removed = await this.accounts.passkeys().remove(userId, id);
    if (removed) this.events.record('passkey_removed', { userId, sessionId, client });
    return removed;
  }

  /** Request options for a sign-in with any passkey of this site (no email typed: discoverable credentials). */
  async startSignIn(client: ClientInfo): Promise<unknown> {
    await this.limits.passkeySignIn(client);
    const options = await generateAuthenticationOptions({ rpID: this.config.webauthnRpId, userVerification: 'required' });
    await this.putChallenge('sign-in', options.challenge, {});
    return options;
  }

  /** Verifies the browser's assertion: a session whose `amr` is the passkey's kind and mfa. */
  async finishSignIn(response: unknown, client: ClientInfo): Promise<SignedIn> {
    const assertion = shaped<AuthenticationResponseJSON>(response);
    const challenge = await this.takeChallenge('sign-in', assertion);
    const passkeys = this.accounts.passkeys();
    const passkey = await passkeys.find(assertion.id);
    // The authenticator says whose credential it is; it must be the one we registered it for.
    const handle = assertion.response.userHandle;
    if (!passkey || (handle !== undefined && handle !== isoBase64URL.fromBuffer(userHandleOf(passkey.userId)))) return this.refuse(passkey?.userId, client);
    const verified = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: challenge.value,
      expectedOrigin: [...this.config.webauthnOrigins],
      expectedRPID: this.config.webauthnRpId,
      credential: { id: passkey.id, publicKey: isoBase64URL.toBuffer(passkey.publicKey), counter: passkey.counter, transports: passkey.transports },
      requireUserVerification: true,
    }).catch(() => null);
    if (!verified?.verified) return this.refuse(passkey.userId, client);
    await passkeys.recordUse(passkey.id, verified.authenticationInfo.newCounter, new Date(this.clock.now()));
    const users = this.accounts.users();
    const user = await users.findById(passkey.userId);
    // A device-bound credential is a hardware key; a synced one lives in software (RFC 8176).
    const amr = [verified.authenticationInfo.credentialDeviceType === 'singleDevice' ? 'hwk' : 'swk', 'mfa'] as const;
    const tokens = user && (await this.sessions.startWhileEnabled(user, client, amr, () => users.isEnabled(user.id)));
    if (!user || !tokens) throw new AuthError('ACCOUNT_DISABLED');
    this.events.record('passkey_sign_in', { userId: user.id, sessionId: tokens.sessionId, client, detail: { amr: amr.join(' ') } });
    return { user: profileOf(user), tokens, isNewUser: false };
  }

  private refuse(userId: string | undefined, client: ClientInfo): never {
    this.events.record('sign_in_failed', { userId: userId ?? null, client, detail: { reason: 'passkey' } });
    throw new AuthError('INVALID_CREDENTIALS');
  }

  private async putChallenge(ceremony: Ceremony, challenge: string, payload: object): Promise<void> {
    const now = this.clock.now();
    await this.challenges.put(`passkey-${ceremony}:${challenge}`, payload, now + CHALLENGE_TTL_MS, now);
  }

  /** The challenge the browser signed, taken (used once); INVALID_PASSKEY_CHALLENGE when unknown, used or expired. */
  private async takeChallenge<T>(ceremony: Ceremony, response: { response: { clientDataJSON: string } }): Promise<{ value: string; payload: T }> {
    let value: string;
    try {
      value = decodeClientDataJSON(response.response.clientDataJSON).challenge;
    } catch {
      throw badInput('response', 'response.clientDataJSON is not base64url JSON.');
    }
    const payload = typeof value === 'string' ? await this.challenges.take<T>(`passkey-${ceremony}:${value}`, this.clock.now()) : null;
    if (payload === null) throw new AuthError('INVALID_PASSKEY_CHALLENGE');
    return { value, payload };
  }
}

type Ceremony = 'registration' | 'sign-in';

/** The WebAuthn user handle: the user's id as its 16 bytes (no personal data). */
function userHandleOf(userId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(userId.replace(/-/g, ''), 'hex'));
}

/** The JSON @simplewebauthn/browser produced, checked for the fields read before the library verifies the rest. */
function shaped<T extends { id: string; response: { clientDataJSON: string } }>(input: unknown): T {
  const candidate = input as { id?: unknown; response?: { clientDataJSON?: unknown } } | null;
  if (typeof candidate?.id !== 'string' || typeof candidate.response?.clientDataJSON !== 'string') {
    throw badInput('response', 'Expected the JSON that @simplewebauthn/browser returns: { id, rawId, response: { clientDataJSON, … }, type }.');
  }
  return input as T;
}

function checkName(name: string | null): string | null {
  if (name === null) return null;
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_NAME_LENGTH) throw badInput('name', `A passkey's name is 1 to ${MAX_NAME_LENGTH} characters.`);
  return trimmed;
}
