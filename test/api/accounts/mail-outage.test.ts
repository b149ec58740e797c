import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { eventually } from '../../helpers/eventually.js';
import { type GatewayProcess, startGatewayProcess } from '../../helpers/gateway-process.js';
import { useMailApp } from '../../helpers/mail-app.js';
import { mailsPerAddress, metric, type OutboxRow, outboxRows, requestResets, signedUpUsers, sleep } from '../../helpers/outbox.js';
import { SmtpSink } from '../../helpers/smtp-sink.js';
import { createTestApp, createTestDatabase, type StoreKind, TEST_KEY_ENCRYPTION_KEY } from '../../helpers/test-app.js';

// Mail while the SMTP server is away, and mail a dead gateway left behind: none lost, none twice.

const RESET_MAILS = { purpose: 'reset_password' };

describe.each<StoreKind>(['redis', 'postgres'])('SMTP outages (sessions in %s)', (store) => {
  const ctx = useMailApp({}, { store });

  it('SMTP server down ~10 s: the mails wait (last_error, backoff, auth_mail_queued), then each arrives exactly once', async () => {
    const emails = await signedUpUsers([ctx.app], 8);
    const failedBefore = (await metric(ctx.app, 'auth_mail_failed_total', { ...RESET_MAILS, permanent: 'false' })) ?? 0;
    const sentBefore = (await metric(ctx.app, 'auth_mail_sent_total', RESET_MAILS)) ?? 0;
    await ctx.smtp.stop();
    const downAt = Date.now();
    let waiting: OutboxRow[];
    try {
      await requestResets([ctx.app], emails);
      await eventually(() => outboxRows(ctx.app, emails), (rows) => rows.length === 8 && rows.every((row) => row.attempts >= 2), 8_000);
      expect(await metric(ctx.app, 'auth_mail_queued')).toBeGreaterThanOrEqual(8);
      expect(await metric(ctx.app, 'auth_mail_oldest_queued_seconds')).toBeGreaterThan(0);
      expect(await metric(ctx.app, 'auth_mail_failed_total', { ...RESET_MAILS, permanent: 'false' })).toBeGreaterThanOrEqual(failedBefore + 16);

      await sleep(downAt + 10_000 - Date.now());
      waiting = await outboxRows(ctx.app, emails);
    } finally {
      await ctx.smtp.resume();
    }
    expect(waiting).toHaveLength(8);
    for (const row of waiting) {
      expect(row).toMatchObject({ sent_at: null, failed_at: null, text_body: expect.stringContaining('reset-password?token=') });
      expect(row.last_error).toEqual(expect.any(String));
      // The SMTP server's answer may quote the recipient: it stays out of the database.
      expect(row.last_error).not.toContain(row.to_address);
      // Tries at about 0, 1, 3 and 7 s (backoff 1 s, 2 s, 4 s, …), not at every poll of the sender.
      expect(row.attempts).toBeGreaterThanOrEqual(3);
      expect(row.attempts).toBeLessThanOrEqual(5);
    }

    expect(await mailsPerAddress(ctx.smtp, emails, 2_000, 70_000)).toEqual(emails.map(() => 1));
    for (const row of await outboxRows(ctx.app, emails)) {
      expect(row).toMatchObject({ sent_at: expect.any(Date), failed_at: null, last_error: null, text_body: null });
      expect(row.attempts).toBeGreaterThan(1);
    }
    expect(await eventually(() => metric(ctx.app, 'auth_mail_queued'), (queued) => queued === 0)).toBe(0);
    expect(await metric(ctx.app, 'auth_mail_oldest_queued_seconds')).toBe(0);
    expect(await metric(ctx.app, 'auth_mail_sent_total', RESET_MAILS)).toBe(sentBefore + 8);
  }, 120_000);

  it('a temporary refusal (451): retried until the server accepts, then delivered once each', async () => {
    const emails = await signedUpUsers([ctx.app], 4);
    ctx.smtp.refuseWith = 451;
    let refused: OutboxRow[];
    try {
      await requestResets([ctx.app], emails);
      refused = await eventually(() => outboxRows(ctx.app, emails), (rows) => rows.length === 4 && rows.every((row) => row.attempts >= 2), 10_000);
    } finally {
      ctx.smtp.refuseWith = null;
    }
    for (const row of refused) expect(row).toMatchObject({ sent_at: null, failed_at: null, last_error: 'SMTP 451', attempts: expect.any(Number) });
    expect(refused.every((row) => row.attempts >= 2)).toBe(true);

    expect(await mailsPerAddress(ctx.smtp, emails, 2_000, 30_000)).toEqual(emails.map(() => 1));
    for (const row of await outboxRows(ctx.app, emails)) {
      expect(row).toMatchObject({ sent_at: expect.any(Date), failed_at: null, last_error: null, text_body: null });
      expect(row.attempts).toBeGreaterThanOrEqual(3);
    }
  }, 60_000);
});

describe('a gateway killed (SIGKILL) with mail committed but not sent', () => {
  let cwd: string;
  let smtp: SmtpSink;

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'auth-gateway-mail-'));
    smtp = await SmtpSink.start();
  });
  afterAll(async () => {
    await smtp.close();
    await rm(cwd, { recursive: true, force: true });
  });

  /** The built gateway as its own process, sessions in PostgreSQL, mailing through `smtpUrl`. */
  function startChild(databaseUrl: string, smtpUrl: string): Promise<GatewayProcess> {
    return startGatewayProcess(cwd, {
      NODE_ENV: 'test',
      PORT: '0',
      // The start-up line (info) says where it listens; its output goes to a pipe, not to this test's console.
      LOG_LEVEL: 'info',
      BCRYPT_COST: '4',
      DATABASE_URL: databaseUrl,
      KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY,
      SMTP_URL: smtpUrl,
      RATE_LIMIT_MAIL: '100000/5m',
      RATE_LIMIT_SIGNUP: '100000/5m',
    });
  }

  /** A pg pool on `databaseUrl`, for reading the outbox while no test app runs. */
  function database(databaseUrl: string): pg.Pool {
    return new pg.Pool({ connectionString: databaseUrl, max: 1 });
  }

  /** A fresh in-process gateway on `databaseUrl` with a working SMTP server: every address gets its mail, once. */
  async function expectDeliveredOnceByFreshGateway(databaseUrl: string, emails: string[]): Promise<OutboxRow[]> {
    const fresh = await createTestApp({ SMTP_URL: smtp.url }, { databaseUrl, store: 'postgres' });
    try {
      expect(await mailsPerAddress(smtp, emails, 2_000, 30_000)).toEqual(emails.map(() => 1));
      const rows = await outboxRows(fresh, emails);
      for (const row of rows) expect(row).toMatchObject({ sent_at: expect.any(Date), failed_at: null, last_error: null, text_body: null });
      return rows;
    } finally {
      await fresh.close();
    }
  }

  it('refused (451) until it died: a fresh gateway on the same database delivers each mail once', async () => {
    const databaseUrl = await createTestDatabase();
    const refusing = await SmtpSink.start();
    refusing.refuseWith = 451;
    const db = database(databaseUrl);
    let child: GatewayProcess | undefined;
    let emails: string[];
    try {
      child = await startChild(databaseUrl, refusing.url);
      emails = await signedUpUsers([child], 5);
      await requestResets([child], emails);
      await eventually(() => outboxRows(db, emails), (rows) => rows.length === 5 && rows.every((row) => row.attempts >= 1));
      child.child.kill('SIGKILL');
      await child.exit;
      for (const row of await outboxRows(db, emails)) expect(row).toMatchObject({ sent_at: null, failed_at: null, last_error: 'SMTP 451' });
      expect(refusing.mails).toEqual([]);
    } finally {
      child?.child.kill('SIGKILL');
      await child?.exit;
      await db.end();
      await refusing.close();
    }

    for (const row of await expectDeliveredOnceByFreshGateway(databaseUrl, emails)) expect(row.attempts).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('killed while its sender held the mails (an SMTP server that never answers): the locks die with it, and a fresh gateway delivers each mail once', async () => {
    const databaseUrl = await createTestDatabase();
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const db = database(databaseUrl);
    let child: GatewayProcess | undefined;
    let emails: string[];
    try {
      child = await startChild(databaseUrl, `smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`);
      emails = await signedUpUsers([child], 5);
      const asked = Date.now();
      await requestResets([child], emails);
      // No answer waits on SMTP: this server would hold one for the sender's 5 s greeting timeout.
      expect(Date.now() - asked).toBeLessThan(3_000);
      // The sender has taken a mail (its row locked, FOR UPDATE) and waits for the greeting: kill it now.
      await eventually(async () => sockets.size, (count) => count >= 1);
      expect(sockets.size).toBeGreaterThanOrEqual(1);
      child.child.kill('SIGKILL');
      await child.exit;

      // The dead sender's transaction is rolled back: no attempt recorded, every row free to take.
      const lockable = await eventually(async () => (await db.query<{ id: string }>('select id from mail_outbox where to_address = any($1) for update skip locked', [emails])).rows, (rows) => rows.length === 5);
      expect(lockable).toHaveLength(5);
      for (const row of await outboxRows(db, emails)) expect(row).toMatchObject({ sent_at: null, failed_at: null, attempts: 0, last_error: null });
    } finally {
      child?.child.kill('SIGKILL');
      await child?.exit;
      await db.end();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }

    for (const row of await expectDeliveredOnceByFreshGateway(databaseUrl, emails)) expect(row.attempts).toBe(1);
  }, 60_000);
});
