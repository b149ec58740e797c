import { randomUUID } from 'node:crypto';
import type { ChangeFeed } from '../../src/stores/change-feed.js';
import type { SessionStore } from '../../src/stores/session-store.js';
import { allBackends, type Harness, KEEP_ALL, OPEN_TIMEOUT_MS, RecordingListener, refOf, retention, session, startListening, until } from './backends.js';

const sorted = (values: readonly string[]) => [...values].sort();

// The SessionStore contract, part three: every removal is announced on the store's revocation
// channel, to the feed that matches the backend, with exactly the removed ids.
describe.each(allBackends)('%s announcements', (_name, backend) => {
  let harness: Harness;
  let store: SessionStore;
  let feed: ChangeFeed;
  let heard: RecordingListener;
  let userId: string;
  beforeAll(async () => {
    harness = await backend.open();
    store = harness.store;
    feed = harness.feed();
    heard = new RecordingListener();
    await startListening(feed, heard);
  }, OPEN_TIMEOUT_MS);
  beforeEach(async () => {
    userId = await harness.makeUser();
    // Each test ends by waiting for what it expects, so nothing from an earlier test is still on its way.
    heard.ended = [];
    heard.deletedUsers = [];
    heard.changedUsers = [];
  });
  afterAll(async () => {
    await feed?.close();
    await harness?.close();
  });

  /**
   * Everything announced since the test began, up to a marker: a session of the same user (so, on a
   * cluster, announced by the same node, in order) created and deleted last. Waits at most 2 s.
   */
  async function announcedBeforeMarker(): Promise<string[]> {
    const marker = session(userId);
    await store.create(marker, KEEP_ALL);
    await store.delete(refOf(marker));
    await until(() => heard.ended.includes(marker.id));
    expect(heard.ended.at(-1)).toBe(marker.id);
    return heard.ended.slice(0, -1);
  }

  it('announces a deleted session', async () => {
    const created = session(userId);
    await store.create(created, KEEP_ALL);
    await store.delete(refOf(created));
    expect(await announcedBeforeMarker()).toEqual([created.id]);
  });

  it("announces every session that deleteForUser removed, and none of another user's", async () => {
    const mine = [session(userId), session(userId), session(userId)];
    for (const record of mine) await store.create(record, KEEP_ALL);
    await store.create(session(await harness.makeUser()), KEEP_ALL);
    const removed = await store.deleteForUser(userId);
    expect(sorted(await announcedBeforeMarker())).toEqual(sorted(removed));
    expect(sorted(removed)).toEqual(sorted(mine.map((record) => record.id)));
  });

  it('announces exactly the sessions that create evicted or found ended', async () => {
    const base = Date.now() - 60_000;
    for (const offset of [1, 2, 3, 4]) await store.create(session(userId, { createdAt: base + offset }), KEEP_ALL);
    const removed = await store.create(session(userId, { createdAt: base + 5 }), retention({ limit: 2, endedIfCreatedBy: base + 1 }));
    expect(removed).toHaveLength(3);
    expect(sorted(await announcedBeforeMarker())).toEqual(sorted(removed));
  });

  it('announces nothing for a delete, deleteForUser, rotate or touch that removes nothing', async () => {
    const kept = session(userId);
    await store.create(kept, KEEP_ALL);
    expect(await store.create(session(userId), retention({ limit: 2 }))).toEqual([]);
    expect(await store.delete({ userId, id: randomUUID() })).toBeNull();
    expect(await store.delete({ userId: await harness.makeUser(), id: kept.id })).toBeNull();
    expect(await store.deleteForUser(await harness.makeUser())).toEqual([]);
    expect(await store.rotate(refOf(kept), kept.currentHash, 'next', Date.now())).toBe(true);
    await store.touch(refOf(kept), Date.now());
    expect(await announcedBeforeMarker()).toEqual([]);
  });

  if (backend.kind === 'postgres') {
    it('announces a user row deleted with SQL, and each of its sessions that went with it', async () => {
      const mine = [session(userId), session(userId)];
      for (const record of mine) await store.create(record, KEEP_ALL);
      const deleted = userId;
      await harness.deleteUserRow!(deleted);
      userId = await harness.makeUser(); // PostgreSQL delivers in commit order, so any user's marker will do
      expect(sorted(await announcedBeforeMarker())).toEqual(sorted(mine.map((record) => record.id)));
      expect(heard.deletedUsers).toEqual([deleted]);
      expect(await store.listForUser(deleted)).toEqual([]);
    });

    // What a user's profile shows (their row, their linked provider accounts) is announced as
    // changed (`c <user id>`) whenever it changes, however it was changed, so cached profiles go.
    describe('user changes', () => {
      const sql = (text: string, params: unknown[]) => harness.sql!(text, params);
      const linkIdentity = (owner: string, provider = 'GOOGLE') => {
        const id = randomUUID();
        return sql('insert into oauth_identities (id, user_id, provider, provider_user_id, email, created_at) values (?, ?, ?, ?, ?, now())', [id, owner, provider, `p-${id}`, null]).then(() => id);
      };

      /**
       * Every user change announced since the test began, up to a marker: a user made and renamed
       * last (PostgreSQL delivers in commit order, so anything announced before it has arrived). Waits at most 2 s.
       */
      async function changedBeforeMarker(): Promise<string[]> {
        const marker = await harness.makeUser();
        await sql('update users set nickname = ? where id = ?', ['Marker', marker]);
        await until(() => heard.changedUsers.includes(marker));
        expect(heard.changedUsers.at(-1)).toBe(marker);
        const before = heard.changedUsers.slice(0, -1);
        heard.changedUsers = [];
        return before;
      }

      it('announces a user row updated with SQL, and no other user', async () => {
        const bystander = await harness.makeUser();
        await linkIdentity(bystander);
        expect(await changedBeforeMarker()).toEqual([bystander]);
        await sql('update users set nickname = ? where id = ?', ['Renamed', userId]);
        expect(await changedBeforeMarker()).toEqual([userId]);
        expect(heard.deletedUsers).toEqual([]);
      });

      it('announces each user row that one statement updated', async () => {
        const other = await harness.makeUser();
        const bystander = await harness.makeUser();
        await sql('update users set email_verified = true where id in (?, ?)', [userId, other]);
        expect(sorted(await changedBeforeMarker())).toEqual(sorted([userId, other]));
        expect(heard.changedUsers).not.toContain(bystander);
      });

      it("announces an oauth_identities row inserted for the user, and again when it is deleted, naming the user, not another", async () => {
        const bystander = await harness.makeUser();
        const identity = await linkIdentity(userId);
        expect(await changedBeforeMarker()).toEqual([userId]);
        await sql('delete from oauth_identities where id = ?', [identity]);
        expect(await changedBeforeMarker()).toEqual([userId]);
        expect(heard.changedUsers).not.toContain(bystander);
      });

      it('announces an oauth_identities row updated for the user', async () => {
        const identity = await linkIdentity(userId);
        expect(await changedBeforeMarker()).toEqual([userId]);
        await sql('update oauth_identities set email = ? where id = ?', ['linked@example.com', identity]);
        expect(await changedBeforeMarker()).toEqual([userId]);
      });

      it('announces both users when an identity moves from one user to another', async () => {
        const other = await harness.makeUser();
        const identity = await linkIdentity(userId);
        expect(await changedBeforeMarker()).toEqual([userId]);
        await sql('update oauth_identities set user_id = ? where id = ?', [other, identity]);
        expect(sorted(await changedBeforeMarker())).toEqual(sorted([userId, other]));
      });

      it('announces no user change for session writes', async () => {
        const created = session(userId);
        await store.create(created, KEEP_ALL);
        expect(await store.rotate(refOf(created), created.currentHash, 'next', Date.now())).toBe(true);
        await store.touch(refOf(created), Date.now());
        await store.delete(refOf(created));
        expect(await changedBeforeMarker()).toEqual([]);
      });
    });
  }
});
