import { decodeJwt } from 'jose';
import { loginState, PASSWORD, refreshed, signIn, signUp, uniqueEmail } from '../../helpers/accounts.js';
import { errorCode } from '../../helpers/graphql-client.js';
import { challengeOf, codeAt, completeMfa, enrolTotp, STEP_MS } from '../../helpers/second-factor.js';
import { createTestApp, type StoreKind, type TestApp } from '../../helpers/test-app.js';

describe.each<StoreKind>(['redis', 'postgres'])('signIn with TOTP on, then completeMfa (sessions in %s)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ SIGNIN_ACCOUNT_MAX_FAILURES: '50' }, { store });
  });
  afterAll(() => app?.close());

  /** A user with TOTP on, and the challenge a right password earns. */
  async function challenged() {
    const email = uniqueEmail();
    const user = await signUp(app, email);
    const factor = await enrolTotp(app, user.accessToken);
    const challenge = challengeOf(await signIn(app, email, PASSWORD));
    return { email, user, ...factor, challenge };
  }

  it('the right password → MFA_REQUIRED with { id, expiresIn: 300, methods } and no tokens; a wrong one → INVALID_CREDENTIALS, no challenge', async () => {
    const { email, challenge } = await challenged();
    expect(challenge).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expiresIn: 300, methods: ['TOTP', 'RECOVERY_CODE'] });
    const response = await signIn(app, email, PASSWORD);
    expect(response.data).toBeNull();
    expect(response.text).not.toMatch(/accessToken|refreshToken/);
    expect(errorCode(await signIn(app, email, 'wrong password'))).toBe('INVALID_CREDENTIALS');
  });

  it("completeMfa with the app's code → a session whose token says amr [pwd otp mfa], auth_time and scope 'user mfa'; a refresh keeps all three", async () => {
    const { user, secret, challenge } = await challenged();
    const response = await completeMfa(app, challenge.id, codeAt(app, secret));
    expect(response.errors).toBeUndefined();
    const payload = response.data!.completeMfa;
    expect(payload.user.id).toBe(user.user.id);
    const claims = decodeJwt(payload.accessToken);
    expect(claims).toMatchObject({ sub: user.user.id, amr: ['pwd', 'otp', 'mfa'], scope: 'user mfa', auth_time: Math.floor(app.clock.now() / 1000) });
    app.clock.advance(60_000);
    const rotated = await refreshed(app, payload.refreshToken);
    expect(decodeJwt(rotated.accessToken)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], scope: 'user mfa', auth_time: claims.auth_time });
    expect(decodeJwt(rotated.accessToken).iat).toBe((claims.iat as number) + 60);
  });

  it("a session without a second factor says amr [pwd] and scope 'user', and a refresh never raises it", async () => {
    const user = await signUp(app);
    expect(decodeJwt(user.accessToken)).toMatchObject({ amr: ['pwd'], scope: 'user' });
    const rotated = await refreshed(app, user.refreshToken);
    expect(decodeJwt(rotated.accessToken)).toMatchObject({ amr: ['pwd'], scope: 'user' });
  });

  it('a challenge is used once: answered again (with the next step\'s code) → INVALID_MFA_CHALLENGE', async () => {
    const { secret, challenge } = await challenged();
    expect((await completeMfa(app, challenge.id, codeAt(app, secret))).data?.completeMfa).toBeDefined();
    app.clock.advance(STEP_MS);
    expect(errorCode(await completeMfa(app, challenge.id, codeAt(app, secret)))).toBe('INVALID_MFA_CHALLENGE');
    expect(errorCode(await completeMfa(app, 'no-such-challenge', codeAt(app, secret)))).toBe('INVALID_MFA_CHALLENGE');
  });

  it('no step is accepted twice: the code just used, on a new challenge → INVALID_MFA_CODE; the next step works', async () => {
    const { email, secret, challenge } = await challenged();
    const code = codeAt(app, secret);
    expect((await completeMfa(app, challenge.id, code)).data?.completeMfa).toBeDefined();
    const second = challengeOf(await signIn(app, email, PASSWORD));
    expect(errorCode(await completeMfa(app, second.id, code))).toBe('INVALID_MFA_CODE');
    // The previous step is within the skew, but older than the step used: refused too.
    expect(errorCode(await completeMfa(app, second.id, codeAt(app, secret, -STEP_MS)))).toBe('INVALID_MFA_CODE');
    app.clock.advance(STEP_MS);
    expect((await completeMfa(app, second.id, codeAt(app, secret))).data?.completeMfa).toBeDefined();
  });

  it('the same code sent on two challenges at once: exactly one session, the other INVALID_MFA_CODE', async () => {
    const { email, secret, challenge } = await challenged();
    const other = challengeOf(await signIn(app, email, PASSWORD));
    const code = codeAt(app, secret);
    const answers = await Promise.all([completeMfa(app, challenge.id, code), completeMfa(app, other.id, code)]);
    expect(answers.map((answer) => (answer.data?.completeMfa ? 'session' : errorCode(answer))).sort()).toEqual(['INVALID_MFA_CODE', 'session']);
  });

  it('one step of skew either way: the previous and the next step are accepted, two steps away is not', async () => {
    const first = await challenged();
    // The step before the current one must be unused: the enrolment used the one before that.
    app.clock.advance(STEP_MS);
    expect(errorCode(await completeMfa(app, first.challenge.id, codeAt(app, first.secret, -2 * STEP_MS)))).toBe('INVALID_MFA_CODE');
    expect(errorCode(await completeMfa(app, first.challenge.id, codeAt(app, first.secret, 2 * STEP_MS)))).toBe('INVALID_MFA_CODE');
    expect((await completeMfa(app, first.challenge.id, codeAt(app, first.secret, -STEP_MS))).data?.completeMfa).toBeDefined();
    const second = await challenged();
    expect((await completeMfa(app, second.challenge.id, codeAt(app, second.secret, STEP_MS))).data?.completeMfa).toBeDefined();
  });

  it('five wrong codes → INVALID_MFA_CODE each, then the challenge is dead: INVALID_MFA_CHALLENGE even for the right code', async () => {
    const { secret, challenge } = await challenged();
    const wrong = codeAt(app, secret, 10 * STEP_MS);
    const codes = [];
    for (let i = 0; i < 5; i += 1) codes.push(errorCode(await completeMfa(app, challenge.id, wrong)));
    expect(codes).toEqual(Array(5).fill('INVALID_MFA_CODE'));
    expect(errorCode(await completeMfa(app, challenge.id, codeAt(app, secret)))).toBe('INVALID_MFA_CHALLENGE');
  });

  it('a password changed after the first step voids its challenge: the right code → INVALID_MFA_CHALLENGE', async () => {
    const { user, secret, challenge } = await challenged();
    await app.sql("update users set password_hash = password_hash || 'x' where id = $1", [user.user.id]);
    expect(errorCode(await completeMfa(app, challenge.id, codeAt(app, secret)))).toBe('INVALID_MFA_CHALLENGE');
  });

  it('a challenge lives 5 minutes: after that the right code → INVALID_MFA_CHALLENGE', async () => {
    const { secret, challenge } = await challenged();
    app.clock.advance(5 * 60_000 + 1_000);
    expect(errorCode(await completeMfa(app, challenge.id, codeAt(app, secret)))).toBe('INVALID_MFA_CHALLENGE');
  });

  it('a recovery code completes the sign-in once (amr otp, mfa); the same code again → INVALID_MFA_CODE', async () => {
    const { email, recoveryCodes, challenge } = await challenged();
    const payload = (await completeMfa(app, challenge.id, recoveryCodes[0]!)).data!.completeMfa;
    expect(decodeJwt(payload.accessToken)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], scope: 'user mfa' });
    expect(await loginState(app, payload.accessToken)).toBe('AUTHENTICATED');
    const again = challengeOf(await signIn(app, email, PASSWORD));
    expect(errorCode(await completeMfa(app, again.id, recoveryCodes[0]!))).toBe('INVALID_MFA_CODE');
    expect((await completeMfa(app, again.id, recoveryCodes[1]!.replace(/-/g, ' '))).data?.completeMfa).toBeDefined();
  });
});

describe('wrong codes count toward the account lock', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ SIGNIN_ACCOUNT_MAX_FAILURES: '3' }, { store: 'postgres' });
  });
  afterAll(() => app?.close());

  it('three wrong codes lock the account: the next challenge answer, and even the right password, → RATE_LIMITED', async () => {
    const email = uniqueEmail();
    const user = await signUp(app, email);
    const { secret } = await enrolTotp(app, user.accessToken);
    const challenge = challengeOf(await signIn(app, email, PASSWORD));
    const wrong = codeAt(app, secret, 10 * STEP_MS);
    for (let i = 0; i < 3; i += 1) expect(errorCode(await completeMfa(app, challenge.id, wrong))).toBe('INVALID_MFA_CODE');
    expect(errorCode(await completeMfa(app, challenge.id, codeAt(app, secret)))).toBe('RATE_LIMITED');
    expect(errorCode(await signIn(app, email, PASSWORD))).toBe('RATE_LIMITED');
  });
});
