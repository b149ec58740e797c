import type { EntityManager } from '@mikro-orm/postgresql';
import { Passkey } from '../db/entities/index.js';
import { whileAvailable } from './store-failure.js';

/** A registered passkey as stored: a plain copy. */
export interface StoredPasskey {
  /** The credential id, base64url. */
  id: string;
  userId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** Users' passkeys, through one operation's EntityManager. */
export class PasskeyStore {
  constructor(private readonly em: EntityManager) {}

  async add(passkey: StoredPasskey): Promise<void> {
    const { userId, transports, ...fields } = passkey;
    await whileAvailable('database', () => this.em.insert(Passkey, { ...fields, user: userId, transports: transports.join(',') }));
  }

  async find(id: string): Promise<StoredPasskey | null> {
    const row = await whileAvailable('database', () => this.em.findOne(Passkey, { id }, { disableIdentityMap: true }));
    return row && stored(row);
  }

  /** The user's passkeys, oldest first. */
  async listForUser(userId: string): Promise<StoredPasskey[]> {
    const rows = await whileAvailable('database', () => this.em.find(Passkey, { user: userId }, { orderBy: { createdAt: 'asc', id: 'asc' }, disableIdentityMap: true }));
    return rows.map(stored);
  }

  /** Records a sign-in: the counter the authenticator reported, and when. */
  async recordUse(id: string, counter: number, at: Date): Promise<void> {
    await whileAvailable('database', () => this.em.nativeUpdate(Passkey, { id }, { counter, lastUsedAt: at }));
  }

  /** Removes one of the user's passkeys; false when it is not theirs or gone. */
  async remove(userId: string, id: string): Promise<boolean> {
    return (await whileAvailable('database', () => this.em.nativeDelete(Passkey, { id, user: userId }))) > 0;
  }

  /** Removes every passkey of the user; how many there were. */
  removeAll(userId: string): Promise<number> {
    return whileAvailable('database', () => this.em.nativeDelete(Passkey, { user: userId }));
  }
}

function stored(row: Passkey): StoredPasskey {
  return {
    id: row.id,
    userId: row.user.id,
    publicKey: row.publicKey,
    counter: row.counter,
    transports: row.transports === '' ? [] : row.transports.split(','),
    deviceType: row.deviceType === 'multiDevice' ? 'multiDevice' : 'singleDevice',
    backedUp: row.backedUp,
    name: row.name,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
  };
}
