import { randomUUID } from 'node:crypto';
import type { RevocationFeed } from '../../src/stores/revocation-feed.js';
import type { SessionStore } from '../../src/stores/session-store.js';
import { allBackends, type Harness, KEEP_ALL, OPEN_TIMEOUT_MS, RecordingListener, refOf, retention, session, startListening, until } from './backends.js';

const sorted = (values: readonly string[]) => [...values].sort();

// The SessionStore contract, part three: every removal is announced on the store's revocation
// channel, to the feed that matches the backend, with exactly the removed ids.
describe.each(allBackends)('%s announcements', (_name, backend) => {
  let harness: Harness;
  let store: SessionStore;
  let feed: RevocationFeed;
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
  }
});
