import { KEEP_ALL, type Harness, postgresBackend, refOf, session } from './backends.js';

// Removals run as prepared statements on the store's own pool, except inside a caller's
// transaction (a password reset, an account deletion, OAuth linking end sessions as part of
// one): there they must commit or roll back with it.
describe('PostgresSessionStore removals inside a caller’s transaction', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await postgresBackend.open();
  });
  afterAll(() => harness?.close());

  async function twoSessions() {
    const userId = await harness.makeUser();
    const sessions = [session(userId), session(userId)];
    for (const s of sessions) await harness.store.create(s, KEEP_ALL);
    return { userId, sessions };
  }

  it('keeps the sessions when that transaction rolls back', async () => {
    const { userId, sessions } = await twoSessions();
    await harness.inTransaction!(async () => {
      expect(await harness.store.delete(refOf(sessions[0]!))).not.toBeNull();
      expect((await harness.store.deleteForUser(userId)).sort()).toEqual([sessions[1]!.id]);
    }, 'rollBack');
    expect((await harness.store.listForUser(userId)).map((s) => s.id).sort()).toEqual(sessions.map((s) => s.id).sort());
  });

  it('removes them when it commits, and outside any transaction at once', async () => {
    const { userId, sessions } = await twoSessions();
    await harness.inTransaction!(async () => {
      expect(await harness.store.delete(refOf(sessions[0]!))).not.toBeNull();
    }, 'commit');
    expect(await harness.store.find(refOf(sessions[0]!))).toBeNull();
    expect(await harness.store.deleteForUser(userId)).toEqual([sessions[1]!.id]);
    expect(await harness.store.listForUser(userId)).toEqual([]);
  });
});
