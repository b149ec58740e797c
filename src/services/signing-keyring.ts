import type { Config } from '../config/config.js';
import type { Clock } from '../infra/clock.js';
import type { SigningKeyStore, StoredSigningKey } from '../stores/signing-key-store.js';
import { generateSigningKey, publicPemOf, type PublicJwk, type SigningKeyPair, signingKeyFromPem, storableKey, type VerificationKey, verificationKeyFromPem } from './signing-keys.js';

/**
 * How long a rotated-in key is published before it signs: longer than JWKS may sit in a cache or
 * between a router's polls (the JWKS route says max-age 60 s), so every verifier knows it first.
 */
export const KEY_PUBLISH_AHEAD_MS = 5 * 60_000;

/** How often every instance reads the key table, so a rotation reaches it well before the new key signs. */
const RELOAD_MS = 10_000;
/** After an unknown kid, at most one early reload this often. */
const UNKNOWN_KID_RELOAD_MS = 1_000;

interface KnownKey {
  key: VerificationKey;
  /** Present for keys this instance may sign with. */
  signing: SigningKeyPair | null;
  activeFrom: number;
  retiredAt: number | null;
}

/**
 * Every key that may verify our tokens, and the one that signs now. Several keys are live across a
 * rotation: the next key is published before it signs, and a retired key keeps verifying until
 * ACCESS_TOKEN_TTL after its retirement. A configured key (JWT_PRIVATE_KEY) always signs.
 */
export class SigningKeyring {
  private known: KnownKey[] = [];
  private lastLoad = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly store: SigningKeyStore,
    private readonly configured: SigningKeyPair | null,
    private readonly policy: Pick<Config, 'accessTokenTtlMs'>,
    private readonly clock: Clock,
  ) {}

  /** Records the configured key or makes sure a generated one exists, loads every key, and keeps them current. */
  static async open(store: SigningKeyStore, configuredPem: string | null, policy: Pick<Config, 'accessTokenTtlMs'>, clock: Clock): Promise<SigningKeyring> {
    const configured = configuredPem === null ? null : signingKeyFromPem(configuredPem);
    const now = new Date(clock.now());
    await store.sealPlaintext(publicPemOf);
    if (configured) await store.adoptConfigured(storableKey(configured, null), now);
    else await store.ensureGenerated(generateSigningKey, now);
    const keyring = new SigningKeyring(store, configured, policy, clock);
    await keyring.reload();
    keyring.timer = setInterval(() => keyring.reloadSoon(), RELOAD_MS);
    keyring.timer.unref();
    return keyring;
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** The key new tokens are signed with: the configured one, else the newest active generated key. */
  signingKey(): SigningKeyPair {
    if (this.configured) return this.configured;
    const now = this.clock.now();
    const active = this.known.filter((known) => known.signing && known.activeFrom <= now && (known.retiredAt === null || known.retiredAt > now));
    // Keys load oldest first; should none be active (clocks apart), the newest generated one signs.
    const chosen = active.at(-1) ?? this.known.filter((known) => known.signing).at(-1);
    return chosen!.signing!;
  }

  /** The key with this kid while its tokens may be valid; an unknown kid prompts an early reload. */
  verificationKey(kid: string): VerificationKey | undefined {
    const found = this.verifying().find((known) => known.key.kid === kid);
    if (!found && this.clock.now() - this.lastLoad > UNKNOWN_KID_RELOAD_MS) this.reloadSoon();
    return found?.key;
  }

  /** Reads the keys again in the background (a rotation was announced, or an unknown kid seen). */
  reloadSoon(): void {
    this.reload().catch(() => undefined);
  }

  /** The published keys: the next one, the current one and every retired one whose tokens may be valid. */
  jwks(): PublicJwk[] {
    return this.verifying().map((known) => known.key.jwk);
  }

  private verifying(): KnownKey[] {
    const oldestValidRetirement = this.clock.now() - this.policy.accessTokenTtlMs;
    return this.known.filter((known) => known.retiredAt === null || known.retiredAt > oldestValidRetirement);
  }

  private async reload(): Promise<void> {
    this.lastLoad = this.clock.now();
    const rows = await this.store.verifiable(new Date(this.lastLoad - this.policy.accessTokenTtlMs));
    this.known = rows.map(toKnown);
    // A retired key signs nothing any more: its private part is erased, so no copy of the
    // database (backups included) can mint tokens with it later. The public part keeps verifying.
    const now = this.clock.now();
    if (this.known.some((known) => known.signing && known.retiredAt !== null && known.retiredAt <= now)) {
      await this.store.erasePrivateParts(new Date(now));
    }
  }
}

function toKnown(row: StoredSigningKey): KnownKey {
  const signing = row.privateKeyPem === null ? null : signingKeyFromPem(row.privateKeyPem);
  return {
    key: signing ?? verificationKeyFromPem(row.publicKeyPem!),
    signing,
    activeFrom: row.activeFrom.getTime(),
    retiredAt: row.retiredAt?.getTime() ?? null,
  };
}
