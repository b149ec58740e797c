import { eventually } from '../../helpers/eventually.js';
import { useMailApp } from '../../helpers/mail-app.js';
import { mailsPerAddress, metric, outboxRows, requestResets, signedUpUsers, sleep } from '../../helpers/outbox.js';
import { tokenFrom } from '../../helpers/smtp-sink.js';
import { createTestApp, type StoreKind, type TestApp } from '../../helpers/test-app.js';

// The outbox, seen from outside: mails the sink receives, rows in mail_outbox, samples on /metrics.

describe.each<StoreKind>(['redis', 'postgres'])('mail through the outbox (sessions in %s)', (store) => {
  const ctx = useMailApp({ APP_URL: 'https://app.example.com' }, { store });

  it('10 requests → 10 mails, exactly one per address; each row is sent after one attempt and keeps no body (no link stays in the database)', async () => {
    const emails = await signedUpUsers([ctx.app], 10);
    await requestResets([ctx.app], emails);

    expect(await mailsPerAddress(ctx.smtp, emails)).toEqual(emails.map(() => 1));
    for (const email of emails) expect(tokenFrom(ctx.smtp.to(email)[0]!, 'reset-password')).not.toBe('');

    const rows = await outboxRows(ctx.app, emails);
    expect(rows.map((row) => row.to_address).sort()).toEqual([...emails].sort());
    for (const row of rows) {
      expect(row).toEqual({ to_address: row.to_address, sent_at: expect.any(Date), failed_at: null, attempts: 1, last_error: null, text_body: null, html_body: null });
    }
    const withLinks = await ctx.app.sql("select id from mail_outbox where text_body like '%token=%' or html_body like '%token=%'");
    expect(withLinks).toEqual([]);
  });

  it('metrics after sending: auth_mail_sent_total{purpose="reset_password"} counts them, nothing is queued', async () => {
    const before = (await metric(ctx.app, 'auth_mail_sent_total', { purpose: 'reset_password' })) ?? 0;
    const emails = await signedUpUsers([ctx.app], 3);
    await requestResets([ctx.app], emails);
    await mailsPerAddress(ctx.smtp, emails, 0);

    expect(await eventually(() => metric(ctx.app, 'auth_mail_sent_total', { purpose: 'reset_password' }), (sent) => (sent ?? 0) >= before + 3)).toBeGreaterThanOrEqual(before + 3);
    expect(await metric(ctx.app, 'auth_mail_queued')).toBe(0);
    expect(await metric(ctx.app, 'auth_mail_oldest_queued_seconds')).toBe(0);
  });
});

describe('mail through the outbox: refusals and several gateways (sessions in redis)', () => {
  const ctx = useMailApp();

  it('a permanent refusal (550) ends the mail as failed after one attempt, is never retried, and is counted permanent="true"', async () => {
    const [email] = await signedUpUsers([ctx.app], 1);
    ctx.smtp.refuseWith = 550;
    try {
      await requestResets([ctx.app], [email!]);
      const [failed] = await eventually(() => outboxRows(ctx.app, [email!]), (rows) => rows[0]?.failed_at != null);
      expect(failed).toEqual({ to_address: email, sent_at: null, failed_at: expect.any(Date), attempts: 1, last_error: 'SMTP 550', text_body: null, html_body: null });

      // Several of the sender's polls (every second) and the first backoff steps go by: no second attempt.
      await sleep(3_500);
      expect((await outboxRows(ctx.app, [email!]))[0]).toMatchObject({ attempts: 1, sent_at: null, last_error: 'SMTP 550' });
      expect(await metric(ctx.app, 'auth_mail_failed_total', { purpose: 'reset_password', permanent: 'true' })).toBeGreaterThanOrEqual(1);
      // A failed mail waits for nothing.
      expect(await metric(ctx.app, 'auth_mail_queued')).toBe(0);
    } finally {
      ctx.smtp.refuseWith = null;
    }
    expect(ctx.smtp.to(email!)).toEqual([]);

    // The failed mail blocks nothing: the next one goes out at once.
    const [next] = await signedUpUsers([ctx.app], 1);
    await requestResets([ctx.app], [next!]);
    expect(await mailsPerAddress(ctx.smtp, [next!], 0)).toEqual([1]);
    expect(ctx.smtp.to(email!)).toEqual([]);
  }, 30_000);

  describe('two gateways on one database', () => {
    let second: TestApp;
    beforeAll(async () => {
      second = await createTestApp({ SMTP_URL: ctx.smtp.url }, { databaseUrl: ctx.app.databaseUrl, redisPrefix: ctx.app.redisPrefix });
    });
    afterAll(() => second.close());

    /** Mails sent by the two senders together, as each gateway's /metrics counts its own. */
    async function sentByBoth(): Promise<number> {
      const counts = await Promise.all([ctx.app, second].map((gateway) => metric(gateway, 'auth_mail_sent_total', { purpose: 'reset_password' })));
      return counts.reduce<number>((sum, count) => sum + (count ?? 0), 0);
    }

    it('20 requests spread over both: each address gets exactly one mail, sent once', async () => {
      const gateways = [ctx.app, second];
      const sentBefore = await sentByBoth();
      const emails = await signedUpUsers(gateways, 20);
      await requestResets(gateways, emails);

      expect(await mailsPerAddress(ctx.smtp, emails, 3_000)).toEqual(emails.map(() => 1));
      expect((await sentByBoth()) - sentBefore).toBe(20);
      const rows = await outboxRows(ctx.app, emails);
      expect(rows).toHaveLength(20);
      for (const row of rows) expect(row).toMatchObject({ sent_at: expect.any(Date), failed_at: null, attempts: 1, text_body: null });
    }, 60_000);

    it('a backlog both senders find due at once (after a short SMTP outage) still goes out once per address', async () => {
      const gateways = [ctx.app, second];
      const sentBefore = await sentByBoth();
      const emails = await signedUpUsers(gateways, 20);
      await ctx.smtp.stop();
      try {
        await requestResets(gateways, emails);
        // Both senders try, fail and reschedule: the rows fall due again while both poll every second.
        await eventually(() => outboxRows(ctx.app, emails), (rows) => rows.length === 20 && rows.every((row) => row.attempts >= 1));
      } finally {
        await ctx.smtp.resume();
      }

      expect(await mailsPerAddress(ctx.smtp, emails, 3_000, 30_000)).toEqual(emails.map(() => 1));
      expect((await sentByBoth()) - sentBefore).toBe(20);
      const rows = await outboxRows(ctx.app, emails);
      for (const row of rows) expect(row).toMatchObject({ sent_at: expect.any(Date), failed_at: null, last_error: null, text_body: null });
    }, 60_000);
  });
});
