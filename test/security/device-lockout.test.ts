import { PASSWORD, signUp, uniqueEmail } from '../helpers/accounts.js';
import { errorCode, type GraphQLResponse } from '../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Review item 5: a lockout anyone can hold. A client that signed in to an account before holds a
 * device token; lockouts caused by others do not apply to it, while its own failures lock only it.
 * Time is moved with the app's clock (locks are timed by it).
 */

const WRONG = 'wrong horse battery';
const ENV = { SIGNIN_ACCOUNT_MAX_FAILURES: '5', SIGNIN_ACCOUNT_LOCK_MAX: '15m', SIGNIN_ACCOUNT_RESET: '12h', RATE_LIMIT_SIGNIN: '100000/5m' };

type SignIn = { signIn: { accessToken: string; deviceToken: string | null } };
const SIGN_IN = 'mutation($input: SignInInput!) { signIn(input: $input) { accessToken deviceToken } }';

describe.each(['redis', 'postgres'] as const)('device tokens against lockouts (%s counters)', (store) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(ENV, { store });
  });
  afterAll(() => app?.close());

  const signIn = (email: string, password: string, deviceToken?: string | null): Promise<GraphQLResponse<SignIn>> =>
    app.gql<SignIn>(SIGN_IN, { input: { email, password, deviceToken } });

  async function ownerWithDevice(): Promise<{ email: string; deviceToken: string }> {
    const email = uniqueEmail();
    await signUp(app, email);
    const first = await signIn(email, PASSWORD);
    return { email, deviceToken: first.data!.signIn.deviceToken! };
  }

  it('an attacker firing at every lock expiry for two hours never stops the owner\'s device, and gets no more guesses than without devices', async () => {
    const owner = await ownerWithDevice();
    let deviceToken = owner.deviceToken;
    let guesses = 0;
    let ownerSignIns = 0;
    const end = app.clock.now() + 2 * 60 * 60_000;
    while (app.clock.now() < end) {
      const attack = await signIn(owner.email, `${WRONG} ${guesses}`);
      if (errorCode(attack) === 'INVALID_CREDENTIALS') {
        guesses += 1;
        continue;
      }
      expect(errorCode(attack)).toBe('RATE_LIMITED');
      // Locked against strangers: the owner's device signs in all the same, and the stranger stays locked.
      const own = await signIn(owner.email, PASSWORD, deviceToken);
      expect(own.errors).toBeUndefined();
      deviceToken = own.data!.signIn.deviceToken!;
      ownerSignIns += 1;
      expect(errorCode(await signIn(owner.email, PASSWORD))).toBe('RATE_LIMITED');
      app.clock.advance((attack.errors![0]!.extensions!.retryAfter as number) * 1000);
    }
    // Keycloak-style locking alone: 5 failures, then one try per lock (1, 2, 4, 8, then 15 minutes).
    let withoutDevices = 5;
    for (let at = 0, lock = 1; at + lock <= 120; at += lock, lock = Math.min(lock * 2, 15)) withoutDevices += 1;
    expect(guesses).toBeGreaterThanOrEqual(5);
    expect(guesses).toBeLessThanOrEqual(withoutDevices);
    expect(ownerSignIns).toBeGreaterThanOrEqual(withoutDevices - 5);
  });

  it("a device's own failures lock only that device: the account still signs in elsewhere", async () => {
    const owner = await ownerWithDevice();
    for (let i = 0; i < 5; i++) expect(errorCode(await signIn(owner.email, `${WRONG} ${i}`, owner.deviceToken))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await signIn(owner.email, PASSWORD, owner.deviceToken))).toBe('RATE_LIMITED');
    expect((await signIn(owner.email, PASSWORD)).errors).toBeUndefined();
  });

  it('a device token of another account, or a tampered one, is no device token: the account lock applies', async () => {
    const owner = await ownerWithDevice();
    const other = await ownerWithDevice();
    for (let i = 0; i < 5; i++) await signIn(owner.email, `${WRONG} ${i}`);
    expect(errorCode(await signIn(owner.email, PASSWORD, other.deviceToken))).toBe('RATE_LIMITED');
    const tampered = `${owner.deviceToken.slice(0, -1)}${owner.deviceToken.endsWith('A') ? 'B' : 'A'}`;
    expect(errorCode(await signIn(owner.email, PASSWORD, tampered))).toBe('RATE_LIMITED');
    expect(errorCode(await signIn(owner.email, PASSWORD, 'x'.repeat(5000)))).toBe('RATE_LIMITED');
    expect((await signIn(owner.email, PASSWORD, owner.deviceToken)).errors).toBeUndefined();
  });
});
