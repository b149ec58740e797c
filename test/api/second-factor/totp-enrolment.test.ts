import { ME } from '../../helpers/account-mutations.js';
import { loginState, PASSWORD, refresh, signedIn, signUp, uniqueEmail } from '../../helpers/accounts.js';
import { withinOneSecond } from '../../helpers/eventually.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { useMailApp } from '../../helpers/mail-app.js';
import { codeAt, CONFIRM_TOTP, DISABLE_TOTP, enrolTotp, MFA_ME, START_TOTP, STEP_MS } from '../../helpers/second-factor.js';
import type { StoreKind } from '../../helpers/test-app.js';

describe.each<StoreKind>(['redis', 'postgres'])('TOTP enrolment (sessions in %s)', (store) => {
  const ctx = useMailApp({ SIGNIN_ACCOUNT_MAX_FAILURES: '50', TOTP_ISSUER: 'Example App' }, { store });

  const start = (token: string, password: string | null = PASSWORD) =>
    ctx.app.gql<{ startTotpEnrollment: { secret: string; otpauthUri: string } }>(START_TOTP, { password }, bearer(token));
  const confirm = (token: string, code: string) => ctx.app.gql<{ confirmTotpEnrollment: string[] }>(CONFIRM_TOTP, { code }, bearer(token));
  const mfaOf = async (token: string) => (await ctx.app.gql<{ me: { mfaEnabled: boolean; mfaMethods: string[] } }>(MFA_ME, undefined, bearer(token))).data?.me;

  it('starts with a 160-bit base32 secret and an otpauth URI (SHA1, 6 digits, 30 s, our issuer); the secret is sealed at rest; MFA stays off until confirmed', async () => {
    const email = uniqueEmail();
    const user = await signUp(ctx.app, email);
    const { secret, otpauthUri } = (await start(user.accessToken)).data!.startTotpEnrollment;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe(`/Example App:${email}`);
    expect(Object.fromEntries(uri.searchParams)).toEqual({ issuer: 'Example App', secret, algorithm: 'SHA1', digits: '6', period: '30' });
    const [row] = await ctx.app.sql<{ secret: string; confirmed_at: Date | null }>('select secret, confirmed_at from totp_factors where user_id = $1', [user.user.id]);
    expect(row!.secret).not.toContain(secret);
    expect(row!.secret.startsWith('v1.')).toBe(true);
    expect(row!.confirmed_at).toBeNull();
    expect(await mfaOf(user.accessToken)).toEqual({ mfaEnabled: false, mfaMethods: [] });
  });

  it('needs the password: missing or wrong → INVALID_CREDENTIALS, nothing stored', async () => {
    const user = await signUp(ctx.app);
    expect(errorCode(await start(user.accessToken, null))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await start(user.accessToken, 'not the password'))).toBe('INVALID_CREDENTIALS');
    expect(await ctx.app.sql('select 1 from totp_factors where user_id = $1', [user.user.id])).toEqual([]);
    expect(errorCode(await ctx.app.gql(START_TOTP, { password: PASSWORD }))).toBe('UNAUTHENTICATED');
  });

  it('a wrong code → INVALID_MFA_CODE and it stays pending; the right one → 10 distinct recovery codes (stored hashed), MFA on, the other sessions end within 1 s, a notice is mailed', async () => {
    const email = uniqueEmail();
    const user = await signUp(ctx.app, email);
    const other = await signedIn(ctx.app, email);
    const { secret } = (await start(user.accessToken)).data!.startTotpEnrollment;
    const wrong = codeAt(ctx.app, secret, 5 * STEP_MS);
    expect(errorCode(await confirm(user.accessToken, wrong))).toBe('INVALID_MFA_CODE');
    expect(await mfaOf(user.accessToken)).toMatchObject({ mfaEnabled: false });

    const codes = (await confirm(user.accessToken, codeAt(ctx.app, secret))).data!.confirmTotpEnrollment;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const stored = await ctx.app.sql<{ code_hash: string }>('select code_hash from recovery_codes where user_id = $1', [user.user.id]);
    expect(stored).toHaveLength(10);
    for (const code of codes) expect(stored.map((row) => row.code_hash).join(' ')).not.toContain(code.replace(/-/g, ''));
    expect(await mfaOf(user.accessToken)).toEqual({ mfaEnabled: true, mfaMethods: ['TOTP', 'RECOVERY_CODE'] });
    expect(await withinOneSecond(() => loginState(ctx.app, other.accessToken), (state) => state === 'SESSION_REVOKED')).toBe('SESSION_REVOKED');
    expect(errorCode(await refresh(ctx.app, other.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
    expect(await loginState(ctx.app, user.accessToken)).toBe('AUTHENTICATED');
    const [notice] = await ctx.smtp.waitFor(email);
    expect(notice!.subject).toBe('Two-step sign-in is on');
    expect(notice!.text).not.toContain(secret);
  });

  it('a pending enrolment lapses after 10 minutes: the right code then → INVALID_MFA_CODE, MFA stays off', async () => {
    const user = await signUp(ctx.app);
    const { secret } = (await start(user.accessToken)).data!.startTotpEnrollment;
    ctx.app.clock.advance(10 * 60_000 + 1_000);
    expect(errorCode(await confirm(user.accessToken, codeAt(ctx.app, secret)))).toBe('INVALID_MFA_CODE');
    expect(await mfaOf(user.accessToken)).toMatchObject({ mfaEnabled: false });
  });

  it('with TOTP on, another enrolment → BAD_USER_INPUT and the factor is unchanged; MFA is not shown to anyone else', async () => {
    const user = await signUp(ctx.app);
    const { secret } = await enrolTotp(ctx.app, user.accessToken);
    const again = await start(user.accessToken);
    expect(errorCode(again)).toBe('BAD_USER_INPUT');
    const [row] = await ctx.app.sql<{ confirmed_at: Date | null }>('select confirmed_at from totp_factors where user_id = $1', [user.user.id]);
    expect(row!.confirmed_at).not.toBeNull();
    expect(codeAt(ctx.app, secret)).toMatch(/^\d{6}$/);
    const stranger = await signUp(ctx.app);
    const entity = await ctx.app.gql<{ _entities: Array<{ mfaEnabled: boolean; mfaMethods: string[] }> }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { mfaEnabled mfaMethods } } }',
      { r: [{ __typename: 'User', id: user.user.id }] },
      bearer(stranger.accessToken),
    );
    expect(entity.data!._entities).toEqual([{ mfaEnabled: false, mfaMethods: [] }]);
  });

  it('disableTotp: a wrong code → INVALID_MFA_CODE and MFA stays on; a current code → true, MFA off, recovery codes gone, a notice is mailed; again → false', async () => {
    const email = uniqueEmail();
    const user = await signUp(ctx.app, email);
    const { secret } = await enrolTotp(ctx.app, user.accessToken);
    await ctx.smtp.waitFor(email);
    expect(errorCode(await ctx.app.gql(DISABLE_TOTP, { code: codeAt(ctx.app, secret, 4 * STEP_MS) }, bearer(user.accessToken)))).toBe('INVALID_MFA_CODE');
    expect(await mfaOf(user.accessToken)).toMatchObject({ mfaEnabled: true });
    expect((await ctx.app.gql(DISABLE_TOTP, { code: codeAt(ctx.app, secret) }, bearer(user.accessToken))).data).toEqual({ disableTotp: true });
    expect(await mfaOf(user.accessToken)).toEqual({ mfaEnabled: false, mfaMethods: [] });
    expect(await ctx.app.sql('select 1 from recovery_codes where user_id = $1 union all select 1 from totp_factors where user_id = $1', [user.user.id])).toEqual([]);
    const mails = await ctx.smtp.waitFor(email, 2);
    expect(mails.map((mail) => mail.subject)).toContain('Two-step sign-in is off');
    expect((await ctx.app.gql(DISABLE_TOTP, { code: codeAt(ctx.app, secret, STEP_MS) }, bearer(user.accessToken))).data).toEqual({ disableTotp: false });
    expect((await ctx.app.gql(ME, undefined, bearer(user.accessToken))).data?.me).toMatchObject({ id: user.user.id });
  });

  it('disableTotp with a recovery code works too', async () => {
    const user = await signUp(ctx.app);
    const { recoveryCodes } = await enrolTotp(ctx.app, user.accessToken);
    expect((await ctx.app.gql(DISABLE_TOTP, { code: recoveryCodes[3]!.toLowerCase() }, bearer(user.accessToken))).data).toEqual({ disableTotp: true });
    expect(await mfaOf(user.accessToken)).toMatchObject({ mfaEnabled: false });
  });
});
