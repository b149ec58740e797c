import type { EntityManager } from '@mikro-orm/postgresql';
import { SigningKey } from '../db/entities/index.js';
import { KeySealer } from '../infra/key-sealer.js';
import type { MikroORM } from '../db/database.js';
import { whileAvailable } from './store-failure.js';

export interface NewSigningKey {
  kid: string;
  algorithm: string;
  privateKeyPem: string | null;
  publicKeyPem: string;
}

export interface StoredSigningKey extends Omit<NewSigningKey, 'publicKeyPem'> {
  publicKeyPem: string | null;
  activeFrom: Date;
  retiredAt: Date | null;
}

/**
 * Signing keys kept in PostgreSQL, private parts sealed under the key-encryption key (a database
 * dump alone cannot sign). Every change runs under one advisory lock, so instances agree.
 */
export class SigningKeyStore {
  constructor(
    private readonly orm: MikroORM,
    private readonly sealer: KeySealer,
  ) {}

  /** Keys whose tokens may still be valid: unretired, or retired after `retiredAfter`. */
  verifiable(retiredAfter: Date): Promise<StoredSigningKey[]> {
    return whileAvailable('database', async () => {
      const rows = await this.orm.em.fork().find(SigningKey, { $or: [{ retiredAt: null }, { retiredAt: { $gt: retiredAfter } }] }, { orderBy: { createdAt: 'asc' } });
      return rows.map((row) => this.stored(row));
    });
  }

  /**
   * Seals private parts stored in plain text (by versions before sealing), recording the public
   * part beside them where it is missing (`publicPemOf` derives it).
   */
  sealPlaintext(publicPemOf: (privateKeyPem: string) => string): Promise<void> {
    return this.locked(async (em) => {
      for (const row of await em.find(SigningKey, { sealedPrivateKey: { $ne: null } })) {
        if (KeySealer.isSealed(row.sealedPrivateKey!)) continue;
        row.publicKeyPem ??= publicPemOf(row.sealedPrivateKey!);
        row.sealedPrivateKey = this.sealer.seal(row.sealedPrivateKey!, row.kid);
      }
    });
  }

  /** Erases the private part of every key retired by `retiredBy`: it signs nothing any more. */
  erasePrivateParts(retiredBy: Date): Promise<number> {
    return this.locked((em) => em.nativeUpdate(SigningKey, { retiredAt: { $lte: retiredBy }, sealedPrivateKey: { $ne: null }, publicKeyPem: { $ne: null } }, { sealedPrivateKey: null }));
  }

  /** Makes sure a generated key exists: when no unretired one has a private part, `generate` makes one, active at once. */
  ensureGenerated(generate: () => NewSigningKey, now: Date): Promise<void> {
    return this.locked(async (em) => {
      const existing = await em.findOne(SigningKey, { retiredAt: null, sealedPrivateKey: { $ne: null } });
      if (!existing) em.create(SigningKey, { ...this.sealed(generate()), createdAt: now, activeFrom: now, retiredAt: null });
    });
  }

  /**
   * Starts a new generated key: published now, signing from `activeFrom`, when every other key
   * retires (their tokens keep verifying until they expire).
   */
  rotate(generate: () => NewSigningKey, now: Date, activeFrom: Date): Promise<string> {
    return this.locked(async (em) => {
      await em.nativeUpdate(SigningKey, { retiredAt: null }, { retiredAt: activeFrom });
      return em.create(SigningKey, { ...this.sealed(generate()), createdAt: now, activeFrom, retiredAt: null }).kid;
    });
  }

  /**
   * Records the operator's key (public part only) as the one in use from now; any other key
   * retires now, so tokens signed with a previous configured key verify until they expire.
   */
  adoptConfigured(key: NewSigningKey, now: Date): Promise<void> {
    return this.locked(async (em) => {
      await em.nativeUpdate(SigningKey, { retiredAt: null, kid: { $ne: key.kid } }, { retiredAt: now });
      const existing = await em.findOne(SigningKey, { kid: key.kid });
      if (existing) existing.retiredAt = null;
      else em.create(SigningKey, { kid: key.kid, algorithm: key.algorithm, publicKeyPem: key.publicKeyPem, sealedPrivateKey: null, createdAt: now, activeFrom: now, retiredAt: null });
    });
  }

  private sealed(key: NewSigningKey) {
    const { privateKeyPem, ...rest } = key;
    return { ...rest, sealedPrivateKey: privateKeyPem === null ? null : this.sealer.seal(privateKeyPem, key.kid) };
  }

  private stored(row: SigningKey): StoredSigningKey {
    let privateKeyPem: string | null = null;
    if (row.sealedPrivateKey !== null) {
      try {
        privateKeyPem = this.sealer.open(row.sealedPrivateKey, row.kid);
      } catch {
        throw new Error(`signing key ${row.kid} cannot be opened with this key-encryption key: set the KEY_ENCRYPTION_KEY it was sealed with`);
      }
    }
    return { kid: row.kid, algorithm: row.algorithm, privateKeyPem, publicKeyPem: row.publicKeyPem, activeFrom: row.activeFrom ?? row.createdAt, retiredAt: row.retiredAt };
  }

  private locked<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return whileAvailable('database', () =>
      this.orm.em.fork().transactional(async (em) => {
        await em.execute('select pg_advisory_xact_lock(hashtext(?))', ['auth-gateway:signing-keys']);
        return work(em);
      }),
    );
  }
}
