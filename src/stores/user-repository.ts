import { randomUUID } from 'node:crypto';
import { LoadStrategy, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OAuthProviderName } from '../config/oauth-config.js';
import { OAuthIdentity, User } from '../db/entities/index.js';
import { AuthError } from '../errors/auth-error.js';
import { isUuid } from './ids.js';
import { inTransaction, whileAvailable } from './store-failure.js';

/** A user as stored: a plain copy, no ORM state (entities do not leave this room). */
export interface StoredUser {
  id: string;
  /** Normalised; null for a social account whose provider gave none. */
  email: string | null;
  emailVerified: boolean;
  /** bcrypt hash; null for an account that signs in only through a provider. */
  passwordHash: string | null;
  nickname: string;
  /** The providers whose accounts are linked. */
  providers: OAuthProviderName[];
  /** The emails the linked providers reported (verified by them or not). */
  providerEmails: string[];
  /** An email change awaiting confirmation. */
  pendingEmail: string | null;
  /** A confirmed TOTP factor: sign-in asks for a code. */
  mfaEnabled: boolean;
  disabledAt: Date | null;
  createdAt: Date;
}

export interface NewUser {
  email: string;
  passwordHash: string;
  nickname: string;
}

export interface NewSocialUser {
  /** Only an email the provider vouches for; null otherwise. */
  email: string | null;
  nickname: string;
}

export interface ProviderAccount {
  provider: OAuthProviderName;
  providerUserId: string;
  /** The email the provider reported, kept on the identity for reference (verified or not). */
  email: string | null;
}

// A user with their provider identities in one query (a join), not two: `me` runs it per request.
const WITH_IDENTITIES = { populate: ['identities'], strategy: LoadStrategy.JOINED } as const;

/** What a sign-in finds when it asks again: still fine, the account disabled (or gone), or its password changed. */
export type SignInStanding = 'ok' | 'disabled' | 'password_changed';

/** Users, through the request's EntityManager. */
export class UserRepository {
  constructor(private readonly em: EntityManager) {}

  /** The user with this normalised email. */
  async findByEmail(email: string): Promise<StoredUser | null> {
    return storedOrNull(await whileAvailable('database', () => this.em.findOne(User, { email }, WITH_IDENTITIES)));
  }

  async findById(id: string): Promise<StoredUser | null> {
    if (!isUuid(id)) return null;
    return storedOrNull(await whileAvailable('database', () => this.em.findOne(User, { id }, WITH_IDENTITIES)));
  }

  /** The users with these ids, in one query (ids that are not UUIDs match nothing). */
  async findByIds(ids: readonly string[]): Promise<StoredUser[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    return (await whileAvailable('database', () => this.em.find(User, { id: { $in: valid } }, WITH_IDENTITIES))).map(storedUserOf);
  }

  /** Creates a password account; EMAIL_TAKEN when the normalised email exists (race-safe via the unique index). */
  create(fields: NewUser, now: Date): Promise<StoredUser> {
    return whileAvailable('database', async () => {
      const user = this.em.create(User, { id: randomUUID(), emailVerified: false, disabledAt: null, createdAt: now, updatedAt: now, ...fields });
      try {
        await this.em.flush();
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException) throw new AuthError('EMAIL_TAKEN');
        throw error;
      }
      return storedUserOf(user);
    });
  }

  /** Replaces the password hash only while it is still `expected`; false when it had changed (or gone). */
  async replacePasswordHash(userId: string, expected: string, passwordHash: string, now: Date): Promise<boolean> {
    const updated = await whileAvailable('database', () => this.em.nativeUpdate(User, { id: userId, passwordHash: expected }, { passwordHash, updatedAt: now }));
    return updated > 0;
  }

  /**
   * Read now from the database: may a sign-in that checked `passwordHash` keep its session? Asked
   * under the user's lock (see lockUser), so it waits for a change to the password in progress and
   * reads what that change committed.
   */
  async signInStanding(id: string, passwordHash: string): Promise<SignInStanding> {
    const rows: Array<{ enabled: boolean; same: boolean }> = await this.transaction(async (tx) => {
      await tx.lockUser(id);
      return tx.em.execute('select disabled_at is null as enabled, password_hash is not distinct from ? as same from users where id = ?', [passwordHash, id]);
    });
    const row = rows[0];
    if (!row || !row.enabled) return 'disabled';
    return row.same ? 'ok' : 'password_changed';
  }

  /** Whether the user exists and is not disabled, read now from the database (not this EntityManager's copy). */
  async isEnabled(id: string): Promise<boolean> {
    const rows: Array<{ enabled: boolean }> = await whileAvailable('database', () =>
      this.em.execute('select disabled_at is null as enabled from users where id = ?', [id]),
    );
    return rows[0]?.enabled ?? false;
  }

  async setDisabledAt(userId: string, disabledAt: Date | null, now: Date): Promise<void> {
    await whileAvailable('database', () => this.em.nativeUpdate(User, { id: userId }, { disabledAt, updatedAt: now }));
  }

  /**
   * Runs `work` in one transaction, with a repository bound to it; rolled back if `work` throws.
   * A unique index refusing a write becomes UniqueConflict.
   */
  transaction<T>(work: (users: UserRepository) => Promise<T>): Promise<T> {
    return inTransaction(this.em, (tx) => work(new UserRepository(tx)));
  }

  /** Inside a transaction: waits for, then holds until commit, the right to change this user's credentials. */
  async lockUser(id: string): Promise<void> {
    await whileAvailable('database', () => this.em.execute('select pg_advisory_xact_lock(hashtext(?))', [`user:${id}`]));
  }

  /** Inside a transaction: waits for, then holds until commit, the right to map this provider account. */
  async lockProviderAccount(account: ProviderAccount): Promise<void> {
    await whileAvailable('database', () => this.em.execute('select pg_advisory_xact_lock(hashtext(?))', [`oauth:${account.provider}:${account.providerUserId}`]));
  }

  /** The user a provider account is linked to. */
  async findByProviderAccount(account: ProviderAccount): Promise<StoredUser | null> {
    const identity = await whileAvailable('database', () =>
      this.em.findOne(OAuthIdentity, { provider: account.provider, providerUserId: account.providerUserId }, { populate: ['user.identities'] }),
    );
    return identity ? storedUserOf(identity.user) : null;
  }

  /** A user who signs in only through a provider (no password), with that provider account linked. */
  async createSocialUser(fields: NewSocialUser, account: ProviderAccount, now: Date): Promise<StoredUser> {
    const user = this.em.create(User, {
      id: randomUUID(),
      email: fields.email,
      emailVerified: fields.email !== null,
      passwordHash: null,
      nickname: fields.nickname,
      disabledAt: null,
      createdAt: now,
      updatedAt: now,
    });
    user.identities.add(this.em.create(OAuthIdentity, { id: randomUUID(), user, ...account, createdAt: now }));
    await this.flush();
    return storedUserOf(user);
  }

  /**
   * Links a provider account to the user. `claimEmail`: the provider vouches for the user's email,
   * which the user never verified: the email becomes verified and the password goes.
   */
  async link(user: StoredUser, account: ProviderAccount, now: Date, options: { claimEmail: boolean }): Promise<StoredUser> {
    const entity = this.em.getReference(User, user.id);
    this.em.create(OAuthIdentity, { id: randomUUID(), user: entity, ...account, createdAt: now });
    await this.flush();
    const linked = { ...user, providers: [...user.providers, account.provider], providerEmails: account.email ? [...user.providerEmails, account.email.trim().toLowerCase()] : user.providerEmails };
    if (!options.claimEmail) return linked;
    await whileAvailable('database', () => this.em.nativeUpdate(User, { id: user.id }, { passwordHash: null, emailVerified: true, updatedAt: now }));
    return { ...linked, passwordHash: null, emailVerified: true };
  }

  /** Sets the password; `verifies`: the email the user proved they read, marked verified if it is still the account's. */
  async setPassword(userId: string, passwordHash: string, now: Date, verifies: string | null): Promise<void> {
    await whileAvailable('database', () =>
      this.em.execute('update users set password_hash = ?, updated_at = ?, email_verified = email_verified or email is not distinct from ? where id = ?', [passwordHash, now, verifies, userId]),
    );
  }

  /** Deletes the user (their identities and sessions rows go with them), whichever transaction created it. */
  async remove(userId: string): Promise<void> {
    await whileAvailable('database', () => this.em.nativeDelete(User, { id: userId }));
  }

  private flush(): Promise<void> {
    return whileAvailable('database', () => this.em.flush());
  }
}

function storedUserOf(user: User): StoredUser {
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    passwordHash: user.passwordHash,
    nickname: user.nickname,
    providers: user.identities.getItems().map((identity) => identity.provider as OAuthProviderName),
    providerEmails: user.identities.getItems().flatMap((identity) => (identity.email ? [identity.email.trim().toLowerCase()] : [])),
    pendingEmail: user.pendingEmail,
    mfaEnabled: user.mfaEnabled,
    disabledAt: user.disabledAt,
    createdAt: user.createdAt,
  };
}

function storedOrNull(user: User | null): StoredUser | null {
  return user && storedUserOf(user);
}
