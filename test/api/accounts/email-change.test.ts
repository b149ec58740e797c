import { isDeepStrictEqual } from 'node:util';
import { CONFIRM_EMAIL_CHANGE, type Me as AccountMe, REQUEST_EMAIL_CHANGE, REQUEST_EMAIL_VERIFICATION, VERIFY_EMAIL } from '../../helpers/account-mutations.js';
import { type AuthPayload, loginState, PASSWORD, refresh, signedIn, signIn, signUp, uniqueEmail } from '../../helpers/accounts.js';
import { withinOneSecond } from '../../helpers/eventually.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { useMailApp } from '../../helpers/mail-app.js';
import { tokenFrom } from '../../helpers/smtp-sink.js';
import type { StoreKind } from '../../helpers/test-app.js';

const ME = '{ me { email emailVerified pendingEmail hasPassword } }';
const HOUR = 60 * 60_000;

type Me = Omit<AccountMe, 'id'>;

describe.each<StoreKind>(['redis', 'postgres'])('email change (sessions in %s)', (store) => {
  const ctx = useMailApp({ APP_URL: 'https://app.example.com' }, { store });

  const request = (pair: AuthPayload, newEmail: string, password: string | null = PASSWORD) => ctx.app.gql(REQUEST_EMAIL_CHANGE, { newEmail, password }, bearer(pair.accessToken));
  const confirm = (token: string, pair?: AuthPayload) => ctx.app.gql(CONFIRM_EMAIL_CHANGE, { token }, pair ? bearer(pair.accessToken) : {});
  const me = async (pair: AuthPayload): Promise<Me | undefined> => (await ctx.app.gql<{ me: Me }>(ME, undefined, bearer(pair.accessToken))).data?.me;
  /**
   * `me` shows `expected` within 1 s. Not at once: the instance keeps each profile until the
   * database's change announcement arrives (src/services/user-profiles.ts), so for some
   * milliseconds after a mutation the caller's own `me` can still show the previous state. The
   * stored row is read at once where it matters.
   */
  const expectMe = async (pair: AuthPayload, expected: Me) => expect(await withinOneSecond(() => me(pair), (shown) => isDeepStrictEqual(shown, expected))).toEqual(expected);
  const storedEmail = async (userId: string) => (await ctx.app.sql<{ email: string }>('select email from users where id = $1', [userId]))[0]!.email;
  const outboxTo = (address: string) => ctx.app.sql<{ purpose: string }>('select purpose from mail_outbox where to_address = $1 order by id', [address]);

  /** The token of the `count`-th mail to `address`, after checking it is an email-change link. */
  async function linkTo(address: string, count = 1): Promise<string> {
    const mails = await ctx.smtp.waitFor(address, count);
    expect(mails).toHaveLength(count);
    const mail = mails[count - 1]!;
    expect(mail.text).toContain('https://app.example.com/confirm-email-change?token=');
    return tokenFrom(mail, 'confirm-email-change');
  }

  /** A new account whose email is verified through its link (one mail to the address so far). */
  async function verifiedAccount(): Promise<{ email: string; pair: AuthPayload }> {
    const email = uniqueEmail();
    const pair = await signUp(ctx.app, email);
    expect((await ctx.app.gql(REQUEST_EMAIL_VERIFICATION, undefined, bearer(pair.accessToken))).data).toEqual({ requestEmailVerification: true });
    const [mail] = await ctx.smtp.waitFor(email, 1);
    expect((await ctx.app.gql(VERIFY_EMAIL, { token: tokenFrom(mail!, 'verify-email') })).data).toEqual({ verifyEmail: true });
    await expectMe(pair, { email, emailVerified: true, pendingEmail: null, hasPassword: true });
    return { email, pair };
  }

  it('needs a bearer token and the password; a bad newEmail is BAD_USER_INPUT naming newEmail; nothing starts', async () => {
    const email = uniqueEmail();
    const pair = await signUp(ctx.app, email);
    const target = uniqueEmail();
    const anonymous = await ctx.app.gql(REQUEST_EMAIL_CHANGE, { newEmail: target, password: PASSWORD });
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
    expect(anonymous.errors![0]!.extensions!.loginState).toBe('AUTHORIZATION_NOT_FOUND');
    expect(errorCode(await request(pair, target, 'not the password'))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await request(pair, target, null))).toBe('INVALID_CREDENTIALS');
    for (const bad of ['not-an-email', '', `${'a'.repeat(300)}@example.com`, email.toUpperCase()]) {
      const response = await request(pair, bad);
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors![0]!.extensions!.field).toBe('newEmail');
    }
    await expectMe(pair, { email, emailVerified: false, pendingEmail: null, hasPassword: true });
    expect(await outboxTo(target)).toEqual([]);
  });

  it('unverified email: one link, to the new address only; using it applies the change, ends the other sessions, keeps the caller and notifies the old address', async () => {
    const email = uniqueEmail();
    const caller = await signUp(ctx.app, email);
    const other = await signedIn(ctx.app, email);
    const target = uniqueEmail();
    expect((await request(caller, target)).data).toEqual({ requestEmailChange: true });
    const token = await linkTo(target);
    expect(ctx.smtp.to(target)[0]!.subject).toBe('Confirm your new email address');
    expect(await outboxTo(email)).toEqual([]);
    await expectMe(caller, { email, emailVerified: false, pendingEmail: target, hasPassword: true });

    expect((await confirm(token, caller)).data).toEqual({ confirmEmailChange: true });
    expect(await storedEmail(caller.user.id)).toBe(target);
    await expectMe(caller, { email: target, emailVerified: true, pendingEmail: null, hasPassword: true });
    expect(await withinOneSecond(() => loginState(ctx.app, other.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
    expect(errorCode(await refresh(ctx.app, other.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    expect(await loginState(ctx.app, caller.accessToken)).toBe('AUTHENTICATED');

    const [notice] = await ctx.smtp.waitFor(email, 1);
    expect(notice!.subject).toBe('Your email address was changed');
    expect(notice!.text).not.toContain('token=');
    expect(errorCode(await confirm(token, caller))).toBe('INVALID_EMAIL_TOKEN');
    expect(errorCode(await signIn(ctx.app, email, PASSWORD))).toBe('INVALID_CREDENTIALS');
    expect((await signIn(ctx.app, target, PASSWORD)).data?.signIn.user).toMatchObject({ id: caller.user.id, email: target, emailVerified: true });
  });

  it('a link used without a bearer token applies the change and ends every session of the user', async () => {
    const email = uniqueEmail();
    const caller = await signUp(ctx.app, email);
    const target = uniqueEmail();
    expect((await request(caller, target)).data).toEqual({ requestEmailChange: true });
    expect((await confirm(await linkTo(target))).data).toEqual({ confirmEmailChange: true });
    expect(await storedEmail(caller.user.id)).toBe(target);
    expect(await withinOneSecond(() => loginState(ctx.app, caller.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
  });

  it.each([
    ['the new address first', ['new', 'current'] as const],
    ['the current address first', ['current', 'new'] as const],
  ])('verified email: links go to both addresses, and the change applies only once both are used (%s)', async (_order, sides) => {
    const { email, pair } = await verifiedAccount();
    const other = await signedIn(ctx.app, email);
    const target = uniqueEmail();
    expect((await request(pair, target)).data).toEqual({ requestEmailChange: true });
    const tokens = { new: await linkTo(target), current: await linkTo(email, 2) };
    expect(ctx.smtp.to(email)[1]!.subject).toBe('Confirm the change of your email address');

    expect((await confirm(tokens[sides[0]], pair)).data).toEqual({ confirmEmailChange: true });
    await expectMe(pair, { email, emailVerified: true, pendingEmail: target, hasPassword: true });
    expect(await loginState(ctx.app, other.accessToken)).toBe('AUTHENTICATED');
    expect(errorCode(await confirm(tokens[sides[0]], pair))).toBe('INVALID_EMAIL_TOKEN');
    expect(await storedEmail(pair.user.id)).toBe(email);

    expect((await confirm(tokens[sides[1]], pair)).data).toEqual({ confirmEmailChange: true });
    await expectMe(pair, { email: target, emailVerified: true, pendingEmail: null, hasPassword: true });
    expect(await withinOneSecond(() => loginState(ctx.app, other.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
    expect((await ctx.smtp.waitFor(email, 3))[2]!.subject).toBe('Your email address was changed');
    expect((await signIn(ctx.app, target, PASSWORD)).data?.signIn.user.id).toBe(pair.user.id);
    expect(errorCode(await signIn(ctx.app, email, PASSWORD))).toBe('INVALID_CREDENTIALS');
  });

  it('a new address another account holds: answered true and shown as pending, but nothing is mailed to it and the change never completes', async () => {
    const holderEmail = uniqueEmail();
    const holder = await signUp(ctx.app, holderEmail);
    const { email, pair } = await verifiedAccount();
    expect((await request(pair, holderEmail)).data).toEqual({ requestEmailChange: true });
    await expectMe(pair, { email, emailVerified: true, pendingEmail: holderEmail, hasPassword: true });
    const current = await linkTo(email, 2);
    expect(await outboxTo(holderEmail)).toEqual([]);
    expect(ctx.smtp.to(holderEmail)).toEqual([]);

    // The current address's link is taken, but the other side can never come.
    expect((await confirm(current, pair)).data).toEqual({ confirmEmailChange: true });
    await expectMe(pair, { email, emailVerified: true, pendingEmail: holderEmail, hasPassword: true });
    expect(await storedEmail(pair.user.id)).toBe(email);
    expect(await storedEmail(holder.user.id)).toBe(holderEmail);
    expect((await signIn(ctx.app, holderEmail, PASSWORD)).data?.signIn.user.id).toBe(holder.user.id);
    expect(await loginState(ctx.app, holder.accessToken)).toBe('AUTHENTICATED');
  });

  it('an unverified account asking for a held address gets no link at all, only the pending address', async () => {
    const holderEmail = uniqueEmail();
    await signUp(ctx.app, holderEmail);
    const email = uniqueEmail();
    const pair = await signUp(ctx.app, email);
    expect((await request(pair, holderEmail)).data).toEqual({ requestEmailChange: true });
    await expectMe(pair, { email, emailVerified: false, pendingEmail: holderEmail, hasPassword: true });
    expect(await outboxTo(holderEmail)).toEqual([]);
    expect(await outboxTo(email)).toEqual([]);
  });

  it('an address taken by another account after the request: the link → INVALID_EMAIL_TOKEN and the change is dropped', async () => {
    const email = uniqueEmail();
    const pair = await signUp(ctx.app, email);
    const target = uniqueEmail();
    expect((await request(pair, target)).data).toEqual({ requestEmailChange: true });
    const token = await linkTo(target);
    const squatter = await signUp(ctx.app, target);
    expect(errorCode(await confirm(token, pair))).toBe('INVALID_EMAIL_TOKEN');
    expect(await storedEmail(pair.user.id)).toBe(email);
    expect(await storedEmail(squatter.user.id)).toBe(target);
    await expectMe(pair, { email, emailVerified: false, pendingEmail: null, hasPassword: true });
  });

  it('an expired link (past EMAIL_CHANGE_TTL, 1 h) → INVALID_EMAIL_TOKEN, and the email stays', async () => {
    const email = uniqueEmail();
    const pair = await signUp(ctx.app, email);
    const target = uniqueEmail();
    expect((await request(pair, target)).data).toEqual({ requestEmailChange: true });
    const token = await linkTo(target);
    ctx.app.clock.advance(HOUR + 1_000);
    expect(errorCode(await confirm(token))).toBe('INVALID_EMAIL_TOKEN');
    expect(await storedEmail(pair.user.id)).toBe(email);
    expect((await signIn(ctx.app, email, PASSWORD)).data?.signIn.user.id).toBe(pair.user.id);
  });

  it('a second request voids the links of the first; only the latest address can be confirmed', async () => {
    const email = uniqueEmail();
    const pair = await signUp(ctx.app, email);
    const [first, second] = [uniqueEmail(), uniqueEmail()];
    expect((await request(pair, first)).data).toEqual({ requestEmailChange: true });
    const firstToken = await linkTo(first);
    expect((await request(pair, second)).data).toEqual({ requestEmailChange: true });
    const secondToken = await linkTo(second);
    await expectMe(pair, { email, emailVerified: false, pendingEmail: second, hasPassword: true });

    expect(errorCode(await confirm(firstToken, pair))).toBe('INVALID_EMAIL_TOKEN');
    expect(await storedEmail(pair.user.id)).toBe(email);
    expect((await confirm(secondToken, pair)).data).toEqual({ confirmEmailChange: true });
    await expectMe(pair, { email: second, emailVerified: true, pendingEmail: null, hasPassword: true });
  });

  it("another signed-in user cannot use someone's link (INVALID_EMAIL_TOKEN); made-up tokens neither; the owner's link still works", async () => {
    const pair = await signUp(ctx.app, uniqueEmail());
    const stranger = await signUp(ctx.app, uniqueEmail());
    const target = uniqueEmail();
    expect((await request(pair, target)).data).toEqual({ requestEmailChange: true });
    const token = await linkTo(target);
    expect(errorCode(await confirm(token, stranger))).toBe('INVALID_EMAIL_TOKEN');
    for (const made of ['', 'x'.repeat(43), `${token}x`, 'a'.repeat(10_000)]) expect(errorCode(await confirm(made))).toBe('INVALID_EMAIL_TOKEN');
    expect(await storedEmail(stranger.user.id)).not.toBe(target);
    expect((await confirm(token, pair)).data).toEqual({ confirmEmailChange: true });
    expect(await storedEmail(pair.user.id)).toBe(target);
  });
});
