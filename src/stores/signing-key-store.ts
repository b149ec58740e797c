import type { MikroORM } from '../infra/orm.js';
import { SigningKey } from '../db/entities/index.js';

export interface StoredSigningKey {
  kid: string;
  algorithm: string;
  privateKeyPem: string;
}

/** Signing keys kept in PostgreSQL, so restarts and every instance sign with the same key. */
export class SigningKeyStore {
  constructor(private readonly orm: MikroORM) {}

  /**
   * The newest unretired key; when there is none, the one `generate` makes is stored and returned.
   * An advisory lock makes instances that start together agree on a single key.
   */
  currentOrCreate(generate: () => StoredSigningKey, now: Date): Promise<StoredSigningKey> {
    return this.orm.em.fork().transactional(async (em) => {
      await em.execute('select pg_advisory_xact_lock(hashtext(?))', ['auth-gateway:signing-keys']);
      const existing = await em.findOne(SigningKey, { retiredAt: null }, { orderBy: { createdAt: 'desc' } });
      if (existing) return existing;
      const key = em.create(SigningKey, { ...generate(), createdAt: now, retiredAt: null });
      await em.flush();
      return key;
    });
  }
}
