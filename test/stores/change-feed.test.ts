import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startEmbeddedPostgres } from '../../src/infra/embedded-postgres.js';
import { closeRedis, connectRedis } from '../../src/infra/redis.js';
import { PostgresChangeFeed } from '../../src/stores/postgres-change-feed.js';
import { RedisChangeFeed } from '../../src/stores/redis-change-feed.js';
import { RedisSessionStore } from '../../src/stores/redis-session-store.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { KEEP_ALL, RecordingListener, refOf, session, silentLogger, sleep, startListening, uniquePrefix, until } from './backends.js';

/** A logger whose lines (level and message) the test can read. */
function recordingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info', base: undefined }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

// A feed is only useful while it listens: these break its backing service on purpose and watch
// it say so, and come back.
describe('RedisChangeFeed health', () => {
  let server: RedisServer;
  let feed: RedisChangeFeed;
  let heard: RecordingListener;
  const prefix = uniquePrefix();
  const channel = `${prefix}session-revocations`;
  beforeEach(async () => {
    server = await startRedisServer();
    heard = new RecordingListener();
  });
  afterEach(async () => {
    await feed?.close();
    await server.stop();
  });

  /** A session created and deleted through a store on `url`; the feed should hear its id. */
  async function announceOne(url: string): Promise<string> {
    const client = await connectRedis({ kind: 'server', url });
    try {
      const store = new RedisSessionStore(client, prefix);
      expect(store.revocationChannel).toBe(channel);
      const created = session(randomUUID());
      await store.create(created, KEEP_ALL);
      await store.delete(refOf(created));
      return created.id;
    } finally {
      await closeRedis(client);
    }
  }

  it('reports deaf within 2 s of its server stopping, and listening again, hearing announcements, once it is back', async () => {
    const { logger, lines } = recordingLogger();
    feed = new RedisChangeFeed({ kind: 'server', url: server.url }, channel, logger);
    await startListening(feed, heard);
    const before = await announceOne(server.url);
    await until(() => heard.ended.includes(before));
    expect(heard.ended).toEqual([before]);

    await server.stop();
    await until(() => heard.state === 'deaf');
    expect(heard.states).toEqual(['listening', 'deaf']);

    server = await startRedisServer(Number(new URL(server.url).port));
    await until(() => heard.state === 'listening', 5_000);
    expect(heard.state).toBe('listening');
    const after = await announceOne(server.url);
    await until(() => heard.ended.includes(after));
    expect(heard.ended).toEqual([before, after]);
    expect(lines.map(({ level, msg }) => [level, msg])).toEqual([
      [40, expect.stringMatching(/change feed \(redis\) lost/)],
      [30, expect.stringMatching(/change feed \(redis\) listening again/)],
    ]);
  }, 15_000);

  it('reports deaf within 3 s when its server stops answering but keeps the connection open, and listening once it answers again', async () => {
    feed = new RedisChangeFeed({ kind: 'server', url: server.url }, channel, silentLogger);
    await startListening(feed, heard);
    server.process.kill('SIGSTOP');
    try {
      await until(() => heard.state === 'deaf', 3_000);
      expect(heard.states).toEqual(['listening', 'deaf']);
    } finally {
      server.process.kill('SIGCONT');
    }
    await until(() => heard.state === 'listening', 5_000);
    expect(heard.state).toBe('listening');
    const after = await announceOne(server.url);
    await until(() => heard.ended.includes(after));
    expect(heard.ended).toEqual([after]);
  }, 15_000);

  it('reports nothing more once closed, even when its server then stops', async () => {
    feed = new RedisChangeFeed({ kind: 'server', url: server.url }, channel, silentLogger);
    await startListening(feed, heard);
    await feed.close();
    await server.stop();
    await sleep(300);
    expect(heard.states).toEqual(['listening']);
  });
});

describe('PostgresChangeFeed health', () => {
  it('reports deaf within 2 s of its server stopping', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'change-feed-outage-'));
    const postgres = await startEmbeddedPostgres(dataDir, () => undefined);
    const feed = new PostgresChangeFeed(postgres.url, silentLogger);
    const heard = new RecordingListener();
    let stopped = false;
    try {
      await startListening(feed, heard);
      await postgres.stop();
      stopped = true;
      await until(() => heard.state === 'deaf');
      expect(heard.states).toEqual(['listening', 'deaf']);
    } finally {
      await feed.close();
      if (!stopped) await postgres.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
