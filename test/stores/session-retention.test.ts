import { randomUUID } from 'node:crypto';
import type { SessionRecord, SessionStore } from '../../src/stores/session-store.js';
import { allBackends, type Harness, KEEP_ALL, OPEN_TIMEOUT_MS, refOf, retention, session } from './backends.js';

const ids = (records: readonly SessionRecord[]) => records.map((record) => record.id);
const sorted = (values: readonly string[]) => [...values].sort();

// The SessionStore contract, part two: a user's sessions together — listing, the cap, ended sessions.
describe.each(allBackends)('%s', (_name, backend) => {
  let harness: Harness;
  let store: SessionStore;
  let userId: string;
  /** A recent moment; each test's sessions are created and used at distinct offsets from it. */
  let base: number;
  beforeAll(async () => {
    harness = await backend.open();
    store = harness.store;
  }, OPEN_TIMEOUT_MS);
  beforeEach(async () => {
    userId = await harness.makeUser();
    base = Date.now() - 60_000;
  });
  afterAll(() => harness?.close());

  /** Creates sessions of `userId` used at `base + offset`, in order, keeping all of them. */
  async function createUsedAt(...offsets: number[]): Promise<SessionRecord[]> {
    const records = offsets.map((offset) => session(userId, { createdAt: base + offset }));
    for (const record of records) expect(await store.create(record, KEEP_ALL)).toEqual([]);
    return records;
  }

  describe('listForUser', () => {
    it("lists only the user's own sessions, most recently used first", async () => {
      const [first, second, third] = await createUsedAt(1, 2, 3);
      await store.create(session(await harness.makeUser(), { createdAt: base + 4 }), KEEP_ALL);
      expect(await store.listForUser(userId)).toEqual([third, second, first]);
    });

    it('moves a rotated session and then a touched one to the front', async () => {
      const [first, second, third] = await createUsedAt(1, 2, 3);
      expect(await store.rotate(refOf(first!), first!.currentHash, 'next', base + 10)).toBe(true);
      expect(ids(await store.listForUser(userId))).toEqual(ids([first!, third!, second!]));
      await store.touch(refOf(second!), base + 20);
      expect(ids(await store.listForUser(userId))).toEqual(ids([second!, first!, third!]));
    });

    it('lists nothing for an unknown user or a user id that is not a UUID', async () => {
      await createUsedAt(1);
      expect(await store.listForUser(randomUUID())).toEqual([]);
      expect(await store.listForUser('not-a-user-id')).toEqual([]);
    });
  });

  describe('create beyond the limit', () => {
    it('removes the least recently used sessions beyond the limit and returns exactly their ids', async () => {
      const [oldest, older, old, recent] = await createUsedAt(1, 2, 3, 4);
      const newest = session(userId, { createdAt: base + 5 });
      expect(sorted(await store.create(newest, retention({ limit: 2 })))).toEqual(sorted(ids([oldest!, older!, old!])));
      expect(await store.listForUser(userId)).toEqual([newest, recent]);
      for (const gone of [oldest!, older!, old!]) expect(await store.find(refOf(gone))).toBeNull();
    });

    it('keeps a recently touched session over an older-created one that was not used since', async () => {
      const [touched, untouched] = await createUsedAt(1, 2);
      await store.touch(refOf(touched!), base + 3);
      const newest = session(userId, { createdAt: base + 4 });
      expect(await store.create(newest, retention({ limit: 2 }))).toEqual([untouched!.id]);
      expect(ids(await store.listForUser(userId))).toEqual(ids([newest, touched!]));
    });

    it("counts only the user's own sessions", async () => {
      const otherUser = await harness.makeUser();
      const theirs = session(otherUser, { createdAt: base + 1 });
      await store.create(theirs, KEEP_ALL);
      const [mine] = await createUsedAt(2);
      const newest = session(userId, { createdAt: base + 3 });
      expect(await store.create(newest, retention({ limit: 2 }))).toEqual([]);
      expect(await store.create(session(otherUser, { createdAt: base + 4 }), retention({ limit: 1 }))).toEqual([theirs.id]);
      expect(await store.listForUser(userId)).toEqual([newest, mine]);
    });

    it('leaves exactly the limit after 10 parallel creations with limit 3, and reports every other one as removed', async () => {
      const records = Array.from({ length: 10 }, (_, i) => session(userId, { createdAt: base + i }));
      const removed = (await Promise.all(records.map((record) => store.create(record, retention({ limit: 3 }))))).flat();
      const kept = ids(await store.listForUser(userId));
      expect(kept).toHaveLength(3);
      expect(sorted([...kept, ...removed])).toEqual(sorted(ids(records)));
    });

    it('never evicts the session it is creating, even when another instance\'s clock makes it look older', async () => {
      const [first, second] = await createUsedAt(5, 6);
      const skewed = session(userId, { createdAt: base + 1 });
      expect(await store.create(skewed, retention({ limit: 2 }))).toEqual([first!.id]);
      expect(ids(await store.listForUser(userId))).toEqual(ids([second!, skewed]));
    });
  });

  describe('create ending sessions under the retention times', () => {
    it('removes the sessions created at or before endedIfCreatedBy and returns their ids', async () => {
      const [early, boundary, later] = await createUsedAt(1, 2, 3);
      await store.touch(refOf(early!), base + 50); // recent use does not save a session past its absolute lifetime
      const newest = session(userId, { createdAt: base + 4 });
      expect(sorted(await store.create(newest, retention({ endedIfCreatedBy: base + 2 })))).toEqual(sorted(ids([early!, boundary!])));
      expect(await store.listForUser(userId)).toEqual([newest, later]);
    });

    it('removes the sessions last used at or before endedIfLastUsedBy and returns their ids', async () => {
      const [idle, boundary, busy] = await createUsedAt(1, 2, 3);
      await store.touch(refOf(busy!), base + 30);
      const newest = session(userId, { createdAt: base + 4 });
      expect(sorted(await store.create(newest, retention({ endedIfLastUsedBy: base + 2 })))).toEqual(sorted(ids([idle!, boundary!])));
      expect(ids(await store.listForUser(userId))).toEqual(ids([busy!, newest]));
    });

    it('removes ended sessions before applying the limit, so they do not push live ones out', async () => {
      const [ended, live] = await createUsedAt(1, 2);
      await store.touch(refOf(ended!), base + 10); // were the limit applied first, `live` would be the one evicted
      const newest = session(userId, { createdAt: base + 3 });
      expect(await store.create(newest, retention({ limit: 2, endedIfCreatedBy: base + 1 }))).toEqual([ended!.id]);
      expect(await store.listForUser(userId)).toEqual([newest, live]);
    });

    it("leaves other users' ended sessions alone", async () => {
      const theirs = session(await harness.makeUser(), { createdAt: base + 1 });
      await store.create(theirs, KEEP_ALL);
      expect(await store.create(session(userId, { createdAt: base + 2 }), retention({ endedIfCreatedBy: base + 1 }))).toEqual([]);
      expect(await store.find(refOf(theirs))).toEqual(theirs);
    });
  });
});
