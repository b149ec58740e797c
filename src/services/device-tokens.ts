import type { Clock } from '../infra/clock.js';
import { constantTimeEqual, hmacSha256, randomSecret } from '../infra/random.js';

/** How long a device stays trusted after its last sign-in. */
const DEVICE_TOKEN_TTL_MS = 90 * 24 * 60 * 60_000;
const SHAPE = /^([A-Za-z0-9_-]{22})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/**
 * OWASP's device cookies: a signed token that `signIn` gives a client once it knew an account's
 * password. Presented again with that account's email, it tells the rate limits that this client
 * is the account's owner (or was), so a stranger's failures cannot lock it out. `<device id>.<issued
 * at>.<HMAC>`; the HMAC binds the email, so a token of one account says nothing about another.
 */
export class DeviceTokens {
  constructor(
    private readonly key: Buffer,
    private readonly clock: Clock,
  ) {}

  issue(email: string): string {
    const deviceId = randomSecret(16);
    const issuedAt = String(Math.floor(this.clock.now() / 1000));
    return `${deviceId}.${issuedAt}.${this.mac(email, deviceId, issuedAt)}`;
  }

  /** The device a token names for this (normalised) email; null when it is not ours for it, or too old. */
  deviceOf(token: string | null, email: string): string | null {
    const match = token === null ? null : SHAPE.exec(token);
    if (!match) return null;
    const [, deviceId, issuedAt, mac] = match as unknown as [string, string, string, string];
    if (!constantTimeEqual(mac, this.mac(email, deviceId, issuedAt))) return null;
    return Number(issuedAt) * 1000 + DEVICE_TOKEN_TTL_MS > this.clock.now() ? deviceId : null;
  }

  private mac(email: string, deviceId: string, issuedAt: string): string {
    return hmacSha256(this.key, `device ${email} ${deviceId} ${issuedAt}`);
  }
}
