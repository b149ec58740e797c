import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { User } from '../db/entities/index.js';
import { AuthError } from '../errors/auth-error.js';
import { isUuid } from './ids.js';
import { whileAvailable } from './store-failure.js';

export interface NewUser {
  email: string;
  passwordHash: string;
  nickname: string;
}

/** Users, through the request's EntityManager. */
export class UserRepository {
  constructor(private readonly em: EntityManager) {}

  /** The user with this normalised email. */
  findByEmail(email: string): Promise<User | null> {
    return whileAvailable('database', () => this.em.findOne(User, { email }, { populate: ['identities'] }));
  }

  findById(id: string): Promise<User | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return whileAvailable('database', () => this.em.findOne(User, { id }, { populate: ['identities'] }));
  }

  /** Creates a password account; EMAIL_TAKEN when the normalised email exists (race-safe via the unique index). */
  create(fields: NewUser, now: Date): Promise<User> {
    return whileAvailable('database', async () => {
      const user = this.em.create(User, { id: randomUUID(), emailVerified: false, createdAt: now, updatedAt: now, ...fields });
      try {
        await this.em.flush();
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException) throw new AuthError('EMAIL_TAKEN');
        throw error;
      }
      return user;
    });
  }

  remove(user: User): Promise<void> {
    return whileAvailable('database', () => this.em.remove(user).flush());
  }
}
