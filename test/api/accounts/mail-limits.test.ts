import { CHANGE_PASSWORD, NEW_PASSWORD, REQUEST_PASSWORD_RESET, RESET_PASSWORD } from '../../helpers/account-mutations.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { PASSWORD, signUp, uniqueEmail } from '../../helpers/accounts.js';
import { useMailApp } from '../../helpers/mail-app.js';
import { forgetMailMinute } from '../../helpers/mail-limits.js';
import { tokenFrom } from '../../helpers/smtp-sink.js';
import { createTestApp, type StoreKind, type TestApp } from '../../helpers/test-app.js';

/**
 * Mail limits: links to one address and purpose go at most once a minute and five times an hour,
 * counted whether an account has the address or not, and past them the answer is still `true`;
 * requests that mail are also limited per client address (RATE_LIMITED). Notices are never held back.
 */

describe.each<StoreKind>(['redis', 'postgres'])('mail limits (sessions in %s)', (store) => {
  const ctx = useMailApp({}, { store });

  /** Asks for a reset link; the answer must be `true` whatever happens. */
  async function requestReset(target: TestApp, email: string): Promise<void> {
    const response = await target.gql(REQUEST_PASSWORD_RESET, { email });
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ requestPasswordReset: true });
  }

  /** Mails queued to `email` (the outbox row is written with the answer, so this needs no waiting). */
  async function queued(email: string, purpose = 'reset_password'): Promise<number> {
    const [row] = await ctx.app.sql<{ n: string }>('select count(*) as n from mail_outbox where to_address = $1 and purpose = $2', [email, purpose]);
    return Number(row!.n);
  }

  it('two requests in a row for a known email → both true, one mail; a minute later (forgetMailMinute) the next goes', async () => {
    const email = uniqueEmail();
    await signUp(ctx.app, email);
    await requestReset(ctx.app, email);
    await requestReset(ctx.app, email);
    expect(await queued(email)).toBe(1);
    expect(await ctx.smtp.waitFor(email, 1)).toHaveLength(1);

    await forgetMailMinute(ctx.app);
    await requestReset(ctx.app, email);
    expect(await queued(email)).toBe(2);
    const mails = await ctx.smtp.waitFor(email, 2);
    expect(mails).toHaveLength(2);
    expect(tokenFrom(mails[0]!, 'reset-password')).not.toBe(tokenFrom(mails[1]!, 'reset-password'));
    expect(ctx.smtp.to(email)).toHaveLength(2);
  });

  it('five mails an hour: after five (a minute apart), the sixth request answers true and sends nothing', async () => {
    const email = uniqueEmail();
    await signUp(ctx.app, email);
    for (let i = 1; i <= 5; i++) {
      await forgetMailMinute(ctx.app);
      await requestReset(ctx.app, email);
      expect(await queued(email)).toBe(i);
    }
    await ctx.smtp.waitFor(email, 5);
    for (let i = 0; i < 3; i++) {
      await forgetMailMinute(ctx.app);
      await requestReset(ctx.app, email);
    }
    expect(await queued(email)).toBe(5);
    expect(ctx.smtp.to(email)).toHaveLength(5);
  });

  it('an unknown email: true every time, never RATE_LIMITED, and counted all the same: once it has an account, its minute and hour are already spent', async () => {
    const email = uniqueEmail();
    for (let i = 0; i < 3; i++) await requestReset(ctx.app, email);
    await signUp(ctx.app, email);
    // The minute was spent by the requests made while no account had the address.
    await requestReset(ctx.app, email);
    expect(await queued(email)).toBe(0);

    const other = uniqueEmail();
    for (let i = 0; i < 5; i++) {
      await forgetMailMinute(ctx.app);
      await requestReset(ctx.app, other);
    }
    await signUp(ctx.app, other);
    await forgetMailMinute(ctx.app);
    await requestReset(ctx.app, other);
    // Five links "went" to an address no account had: the hour is spent, nothing goes now.
    expect(await queued(other)).toBe(0);

    await forgetMailMinute(ctx.app);
    await requestReset(ctx.app, email);
    expect(await queued(email)).toBe(1);
    await ctx.smtp.waitFor(email, 1);
    expect(ctx.smtp.to(other)).toEqual([]);
  });

  it('the limit is per address: another account is not held back by a spent one, and an address spelled in capitals is the same address', async () => {
    const spent = uniqueEmail();
    const fresh = uniqueEmail();
    await signUp(ctx.app, spent);
    await signUp(ctx.app, fresh);
    await requestReset(ctx.app, spent);
    await requestReset(ctx.app, spent.toUpperCase());
    await requestReset(ctx.app, ` ${spent} `);
    await requestReset(ctx.app, fresh);
    expect(await queued(spent)).toBe(1);
    expect(await queued(fresh)).toBe(1);
    await ctx.smtp.waitFor(fresh, 1);
  });

  it('notices are never held back: the password-changed notice follows a reset link by seconds, and changePassword\'s notice follows that', async () => {
    const email = uniqueEmail();
    await signUp(ctx.app, email);
    await requestReset(ctx.app, email);
    await requestReset(ctx.app, email);
    const [link] = await ctx.smtp.waitFor(email, 1);
    const token = tokenFrom(link!, 'reset-password');
    expect((await ctx.app.gql(RESET_PASSWORD, { token, password: NEW_PASSWORD })).data).toEqual({ resetPassword: true });
    const afterReset = await ctx.smtp.waitFor(email, 2);
    expect(afterReset.map((mail) => mail.subject)).toEqual(['Reset your password', 'Your password was changed']);

    const signedIn = await ctx.app.gql<{ signIn: { accessToken: string } }>('mutation($input: SignInInput!) { signIn(input: $input) { accessToken } }', { input: { email, password: NEW_PASSWORD } });
    const change = await ctx.app.gql(CHANGE_PASSWORD, { current: NEW_PASSWORD, password: PASSWORD }, bearer(signedIn.data!.signIn.accessToken));
    expect(change.errors).toBeUndefined();
    const afterChange = await ctx.smtp.waitFor(email, 3);
    expect(afterChange.map((mail) => mail.subject)).toEqual(['Reset your password', 'Your password was changed', 'Your password was changed']);
  });

  describe('per client address (RATE_LIMIT_MAIL=3/1h)', () => {
    let limited: TestApp;
    beforeAll(async () => {
      limited = await createTestApp({ SMTP_URL: ctx.smtp.url, RATE_LIMIT_MAIL: '3/1h' }, { store });
    });
    afterAll(() => limited.close());

    it('the 4th request from one address, for a 4th email → RATE_LIMITED with retryAfter (s) within the hour; the 1st link still works and its notice still goes', async () => {
      const first = uniqueEmail();
      await signUp(limited, first);
      await requestReset(limited, first);
      await requestReset(limited, uniqueEmail());
      await requestReset(limited, uniqueEmail());
      const fourth = await limited.gql(REQUEST_PASSWORD_RESET, { email: uniqueEmail() });
      expect(errorCode(fourth)).toBe('RATE_LIMITED');
      const retryAfter = fourth.errors![0]!.extensions!.retryAfter;
      expect(typeof retryAfter).toBe('number');
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      expect(errorCode(await limited.gql(REQUEST_PASSWORD_RESET, { email: first }))).toBe('RATE_LIMITED');

      const [link] = await ctx.smtp.waitFor(first, 1);
      const token = tokenFrom(link!, 'reset-password');
      expect((await limited.gql(RESET_PASSWORD, { token, password: NEW_PASSWORD })).data).toEqual({ resetPassword: true });
      const mails = await ctx.smtp.waitFor(first, 2);
      expect(mails.map((mail) => mail.subject)).toEqual(['Reset your password', 'Your password was changed']);
    });
  });
});
