import { randomUUID } from 'node:crypto';
import { AuthError } from '../../src/errors/auth-error.js';
import { sha256 } from '../../src/infra/random.js';
import type { SessionRecord, SessionStore } from '../../src/stores/session-store.js';
import { allBackends, type Harness, KEEP_ALL, OPEN_TIMEOUT_MS, refOf, session } from './backends.js';

// The SessionStore contract, part one: one session at a time. Every backend must pass it unchanged.
describe.each(allBackends)('%s', (_name, backend) => {
  let harness: Harness;
  let store: SessionStore;
  let userId: string;
  beforeAll(async () => {
    harness = await backend.open();
    store = harness.store;
  }, OPEN_TIMEOUT_MS);
  beforeEach(async () => {
    userId = await harness.makeUser();
  });
  afterAll(() => harness?.close());

  it.each([
    ['with every optional field null', {}],
    ['with every field set', { previousHash: sha256('old'), rotatedAt: Date.now() - 5_000, generation: 7, userAgent: 'Mozilla/5.0 (X11) 한글', ip: '2001:db8::1' }],
  ])('finds a created session %s as an equal record', async (_case, overrides) => {
    const created = session(userId, overrides);
    expect(await store.create(created, KEEP_ALL)).toEqual([]);
    expect(await store.find(refOf(created))).toEqual(created);
  });

  it('finds nothing for an unknown id', async () => {
    expect(await store.find({ userId, id: randomUUID() })).toBeNull();
  });

  it('treats a user id or session id that is not a lower-case UUID (client input, say) as unknown', async () => {
    const created = session(userId);
    await store.create(created, KEEP_ALL);
    const refs = [
      { userId, id: 'not-a-session-id' },
      { userId: 'not-a-user-id', id: created.id },
      { userId, id: created.id.toUpperCase() },
      { userId: userId.toUpperCase(), id: created.id },
    ];
    for (const ref of refs) {
      expect(await store.find(ref)).toBeNull();
      expect(await store.rotate(ref, created.currentHash, 'next', Date.now())).toBe(false);
      await store.touch(ref, Date.now());
      expect(await store.delete(ref)).toBeNull();
    }
    expect(await store.deleteForUser('not-a-user-id')).toEqual([]);
    expect(await store.find(refOf(created))).toEqual(created);
  });

  describe("addressed with the right session id but another user's id", () => {
    let created: SessionRecord;
    let wrongRef: { userId: string; id: string };
    beforeEach(async () => {
      created = session(userId);
      await store.create(created, KEEP_ALL);
      wrongRef = { userId: await harness.makeUser(), id: created.id };
    });
    const expectUntouched = async () => expect(await store.find(refOf(created))).toEqual(created);

    it('find answers null', async () => {
      expect(await store.find(wrongRef)).toBeNull();
      await expectUntouched();
    });

    it('rotate answers false and leaves the session as it was', async () => {
      expect(await store.rotate(wrongRef, created.currentHash, 'stolen', created.createdAt + 1_000)).toBe(false);
      expect(await store.find(wrongRef)).toBeNull();
      await expectUntouched();
    });

    it('touch does nothing', async () => {
      await store.touch(wrongRef, created.createdAt + 1_000);
      expect(await store.find(wrongRef)).toBeNull();
      await expectUntouched();
    });

    it('delete answers null and the session stays', async () => {
      expect(await store.delete(wrongRef)).toBeNull();
      await expectUntouched();
    });

    it("deleteForUser of the other user removes nothing of this user's", async () => {
      expect(await store.deleteForUser(wrongRef.userId)).toEqual([]);
      await expectUntouched();
    });
  });

  it('rotates with the live hash: the next hash goes live, the old one becomes previous, the generation counts, both times recorded', async () => {
    const created = session(userId);
    await store.create(created, KEEP_ALL);
    const at = created.createdAt + 60_000;
    expect(await store.rotate(refOf(created), created.currentHash, 'next-hash', at)).toBe(true);
    expect(await store.find(refOf(created))).toEqual({ ...created, currentHash: 'next-hash', previousHash: created.currentHash, rotatedAt: at, lastUsedAt: at, generation: 1 });
  });

  it('replaces the live hash without keeping a previous one (no grace for the replaced token), counting the generation', async () => {
    const created = session(userId);
    await store.create(created, KEEP_ALL);
    const rotatedAt = created.createdAt + 30_000;
    expect(await store.rotate(refOf(created), created.currentHash, 'rotated-hash', rotatedAt)).toBe(true);
    const at = created.createdAt + 60_000;
    expect(await store.replace(refOf(created), created.currentHash, 'stale-attempt', at)).toBe(false);
    expect(await store.replace(refOf(created), 'rotated-hash', 'replacing-hash', at)).toBe(true);
    expect(await store.find(refOf(created))).toEqual({ ...created, currentHash: 'replacing-hash', previousHash: null, rotatedAt: null, lastUsedAt: at, generation: 2 });
    expect(await store.replace({ userId, id: randomUUID() }, 'replacing-hash', 'x', at)).toBe(false);
  });

  it('refuses to rotate with a stale hash and changes nothing', async () => {
    const created = session(userId);
    await store.create(created, KEEP_ALL);
    await store.rotate(refOf(created), created.currentHash, 'second', created.createdAt + 1_000);
    const before = await store.find(refOf(created));
    expect(await store.rotate(refOf(created), created.currentHash, 'forked', created.createdAt + 2_000)).toBe(false);
    expect(await store.find(refOf(created))).toEqual(before);
  });

  it('refuses to rotate a session that does not exist, without creating it', async () => {
    const ref = { userId, id: randomUUID() };
    expect(await store.rotate(ref, 'any', 'next', Date.now())).toBe(false);
    expect(await store.find(ref)).toBeNull();
    expect(await store.listForUser(userId)).toEqual([]);
  });

  it('lets exactly one of 20 parallel rotations with the same expected hash win', async () => {
    const created = session(userId);
    await store.create(created, KEEP_ALL);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.rotate(refOf(created), created.currentHash, `next-${i}`, created.createdAt + 1_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const after = await store.find(refOf(created));
    expect(after?.currentHash).toBe(`next-${results.indexOf(true)}`);
    expect(after?.previousHash).toBe(created.currentHash);
    expect(after?.generation).toBe(1);
  });

  it('touch records the time of use and nothing else', async () => {
    const created = session(userId);
    await store.create(created, KEEP_ALL);
    await store.touch(refOf(created), created.createdAt + 30_000);
    expect(await store.find(refOf(created))).toEqual({ ...created, lastUsedAt: created.createdAt + 30_000 });
  });

  it('touch does nothing for a missing session, without creating it', async () => {
    const ref = { userId, id: randomUUID() };
    await store.touch(ref, Date.now());
    expect(await store.find(ref)).toBeNull();
    expect(await store.listForUser(userId)).toEqual([]);
  });

  it('deletes a session once: first its createdAt and lastUsedAt, then null, and it is gone', async () => {
    const [created, kept] = [session(userId), session(userId)];
    await store.create(created, KEEP_ALL);
    await store.create(kept, KEEP_ALL);
    await store.touch(refOf(created), created.createdAt + 5_000);
    expect(await store.delete(refOf(created))).toEqual({ createdAt: created.createdAt, lastUsedAt: created.createdAt + 5_000 });
    expect(await store.delete(refOf(created))).toBeNull();
    expect(await store.find(refOf(created))).toBeNull();
    expect(await store.listForUser(userId)).toEqual([kept]);
  });

  it("deleteForUser removes all of the user's sessions, returns their ids and leaves other users' sessions", async () => {
    const otherUser = await harness.makeUser();
    const mine = [session(userId), session(userId), session(userId)];
    const theirs = session(otherUser);
    for (const record of [...mine, theirs]) await store.create(record, KEEP_ALL);
    expect((await store.deleteForUser(userId)).sort()).toEqual(mine.map((record) => record.id).sort());
    for (const record of mine) expect(await store.find(refOf(record))).toBeNull();
    expect(await store.listForUser(userId)).toEqual([]);
    expect(await store.find(refOf(theirs))).toEqual(theirs);
    expect(await store.deleteForUser(userId)).toEqual([]);
  });

  it('answers SERVICE_UNAVAILABLE within 2 s when its backend is down', async () => {
    const broken = await backend.openBroken();
    try {
      const started = Date.now();
      const failure = await broken.store.find({ userId: randomUUID(), id: randomUUID() }).then(
        () => new Error('find succeeded'),
        (error: unknown) => error,
      );
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(failure).toBeInstanceOf(AuthError);
      expect((failure as AuthError).extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
    } finally {
      await broken.close();
    }
  }, 60_000);
});
