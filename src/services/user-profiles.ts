import type { Clock } from '../infra/clock.js';
import type { ChangeListener } from '../stores/change-feed.js';
import type { UserRepository } from '../stores/user-repository.js';
import { AnnouncedCache } from './announced-cache.js';
import { stringBytes } from './bounded-map.js';
import { profileOf, type UserProfile } from './user-profile.js';

const MAX_AGE_MS = 10_000;
/** 8 MiB hold ~13,000 profiles of typical length. */
const MAX_BYTES = 8 * 2 ** 20;
/**
 * What a cached profile costs besides its strings (the profile object, its date, its provider
 * list, the cache's wrapper), and what a cached "no such user" costs: measured by `npm run bench`
 * (bench/cache-costs.ts).
 */
export const PROFILE_ENTRY_BYTES = 440;
export const NO_PROFILE_ENTRY_BYTES = 160;

function bytesOf(key: string, profile: UserProfile | null): number {
  if (profile === null) return NO_PROFILE_ENTRY_BYTES + stringBytes(key);
  const strings = [key, profile.id, profile.email, profile.nickname, profile.pendingEmail].reduce((sum, text) => sum + (text === null ? 0 : stringBytes(text)), 0);
  return PROFILE_ENTRY_BYTES + strings + 8 * profile.providers.length;
}

/**
 * Users' profiles as `me`, `refresh` and entity references show them. Each is read once and then
 * kept while the database feed is listening: the database announces every change to a user's row
 * or linked accounts when it commits (db/change-trigger.ts), and the copy is dropped then.
 */
export class UserProfiles {
  /** null: known not to exist (so a flood of unknown ids reaches the database once each). */
  private readonly cache: AnnouncedCache<UserProfile | null>;

  /** `feed` names the change feed that carries the database's announcements. */
  constructor(
    private readonly users: () => UserRepository,
    clock: Clock,
    private readonly feed: string,
  ) {
    this.cache = new AnnouncedCache(clock, [feed], { maxAgeMs: MAX_AGE_MS, maxBytes: MAX_BYTES, bytesOf });
  }

  /** The user's profile; null when there is no such user. */
  async find(userId: string): Promise<UserProfile | null> {
    const known = this.cache.get(userId);
    if (known !== undefined) return known;
    return (await this.findMany([userId])).get(userId) ?? null;
  }

  /** Profiles by id, those not known here read in one query; an id with no user maps to null. */
  async findMany(userIds: readonly string[]): Promise<Map<string, UserProfile | null>> {
    const found = new Map<string, UserProfile | null>();
    const missing: string[] = [];
    for (const id of new Set(userIds)) {
      const known = this.cache.get(id);
      if (known === undefined) missing.push(id);
      else found.set(id, known);
    }
    if (missing.length === 0) return found;
    const ticket = this.cache.ticket();
    const users = new Map((await this.users().findByIds(missing)).map((user) => [user.id, profileOf(user)]));
    for (const id of missing) {
      const profile = users.get(id) ?? null;
      found.set(id, profile);
      this.cache.set(id, profile, ticket);
    }
    return found;
  }

  /** Drops the copy of a user this instance changed, before the database's announcement comes back. */
  forget(userIds: readonly string[]): void {
    for (const id of userIds) this.cache.forget(id);
  }

  /** Where the database's feed reports. */
  changeListener(): Pick<ChangeListener, 'userChanged' | 'userDeleted' | 'listening' | 'deaf'> {
    return {
      userChanged: (userId) => this.cache.forget(userId),
      userDeleted: (userId) => this.cache.forget(userId),
      listening: () => this.cache.feedListening(this.feed),
      deaf: () => this.cache.feedDeaf(this.feed),
    };
  }
}
