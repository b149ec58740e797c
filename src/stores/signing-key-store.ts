import type { EntityManager } from '@mikro-orm/postgresql';
import { SigningKey } from '../db/entities/index.js';
import type { MikroORM } from '../infra/orm.js';
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

/** Signing keys kept in PostgreSQL. Every change runs under one advisory lock, so instances agree. */
export class SigningKeyStore {
  constructor(private readonly orm: MikroORM) {}

  /** Keys whose tokens may still be valid: unretired, or retired after `retiredAfter`. */
  verifiable(retiredAfter: Date): Promise<StoredSigningKey[]> {
    return whileAvailable('database', async () => {
      const rows = await this.orm.em.fork().find(SigningKey, { $or: [{ retiredAt: null }, { retiredAt: { $gt: retiredAfter } }] }, { orderBy: { createdAt: 'asc' } });
      return rows.map(stored);
    });
  }

  /** Makes sure a generated key exists: when no unretired one has a private part, `generate` makes one, active at once. */
  ensureGenerated(generate: () => NewSigningKey, now: Date): Promise<void> {
    return this.locked(async (em) => {
      const existing = await em.findOne(SigningKey, { retiredAt: null, privateKeyPem: { $ne: null } });
      if (!existing) em.create(SigningKey, { ...generate(), createdAt: now, activeFrom: now, retiredAt: null });
    });
  }

  /**
   * Starts a new generated key: published now, signing from `activeFrom`, when every other key
   * retires (their tokens keep verifying until they expire).
   */
  rotate(generate: () => NewSigningKey, now: Date, activeFrom: Date): Promise<string> {
    return this.locked(async (em) => {
      await em.nativeUpdate(SigningKey, { retiredAt: null }, { retiredAt: activeFrom });
      return em.create(SigningKey, { ...generate(), createdAt: now, activeFrom, retiredAt: null }).kid;
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
      else em.create(SigningKey, { ...key, privateKeyPem: null, createdAt: now, activeFrom: now, retiredAt: null });
    });
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

function stored(row: SigningKey): StoredSigningKey {
  return {
    kid: row.kid,
    algorithm: row.algorithm,
    privateKeyPem: row.privateKeyPem,
    publicKeyPem: row.publicKeyPem,
    activeFrom: row.activeFrom ?? row.createdAt,
    retiredAt: row.retiredAt,
  };
}
