import { decodeJwt } from 'jose';
import { PASSWORD, signIn, signUp, storedSession, storedSessionIds, uniqueEmail } from '../../helpers/accounts.js';
import type { GraphQLError, GraphQLResponse } from '../../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app?.close());

/** An error as a client can tell it apart: everything but where in the query it happened. */
function withoutPosition(error: GraphQLError | undefined) {
  const { path, locations, ...rest } = error as GraphQLError & { locations?: unknown };
  return rest;
}

async function sessionExists(accessToken: string): Promise<boolean> {
  return (await storedSession(app, decodeJwt(accessToken).sid as string)) !== null;
}

/** An account whose password is gone (as after linking a social login); returns its email and id. */
async function passwordlessAccount(): Promise<{ email: string; id: string }> {
  const email = uniqueEmail();
  const { user } = await signUp(app, email);
  await app.sql('update users set password_hash = null where id = $1', [user.id]);
  return { email, id: user.id };
}

describe('signIn', () => {
  it('signs in with the right password, the email in any case and with spaces, into a new session', async () => {
    const email = uniqueEmail();
    const signedUp = await signUp(app, email);
    const response = await signIn(app, `  ${email.toUpperCase()} `, PASSWORD);
    expect(response.errors).toBeUndefined();
    const payload = response.data!.signIn;
    expect(payload).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, isNewUser: false });
    expect(payload.user).toMatchObject({ id: signedUp.user.id, email, hasPassword: true });
    expect(payload.refreshToken).not.toBe(signedUp.refreshToken);
    expect(decodeJwt(payload.accessToken).sid).not.toBe(decodeJwt(signedUp.accessToken).sid);
    expect(await sessionExists(payload.accessToken)).toBe(true);
    expect(await sessionExists(signedUp.accessToken)).toBe(true);
  });

  it('answers a wrong password, an unknown email and a password-less account with one identical INVALID_CREDENTIALS error', async () => {
    const email = uniqueEmail();
    const { user } = await signUp(app, email);
    const passwordless = await passwordlessAccount();
    const responses = [
      await signIn(app, email, 'wrong horse battery'),
      await signIn(app, uniqueEmail(), PASSWORD),
      await signIn(app, passwordless.email, PASSWORD),
    ];
    for (const response of responses) {
      expect(response.data).toBeNull();
      expect(response.errors).toHaveLength(1);
      expect(withoutPosition(response.errors![0])).toEqual(withoutPosition(responses[0]!.errors![0]));
    }
    expect(withoutPosition(responses[0]!.errors![0])).toEqual({ message: expect.any(String), extensions: { code: 'INVALID_CREDENTIALS' } });
    // No session was started: each account still has only its sign-up session.
    expect(await storedSessionIds(app, user.id)).toHaveLength(1);
    expect(await storedSessionIds(app, passwordless.id)).toHaveLength(1);
  });

  it('never signs in with a password over 72 bytes, even when its first 72 bytes are the real password', async () => {
    const email = uniqueEmail();
    const password = 'pw'.repeat(34) + 'éé'; // exactly 72 bytes
    await signUp(app, email, password);
    expect((await signIn(app, email, password)).data?.signIn.user.email).toBe(email);
    for (const longer of [`${password}!`, `${password}é`, `${password}${'x'.repeat(100)}`]) {
      const response = await signIn(app, email, longer);
      expect(response.data).toBeNull();
      expect(response.errors).toHaveLength(1);
      expect(response.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'password' });
    }
  });

  it('refuses a 1 MB password with BAD_USER_INPUT naming the password, without echoing it', async () => {
    const email = uniqueEmail();
    await signUp(app, email);
    const response = await signIn(app, email, 'x'.repeat(1_000_000));
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'password' });
    expect(response.text).not.toContain('x'.repeat(20));
  });

  it('never puts a password or a bcrypt hash in any response, failed or successful', async () => {
    const email = uniqueEmail();
    await signUp(app, email);
    const passwordless = await passwordlessAccount();
    const [stored] = await app.sql<{ password_hash: string }>('select password_hash from users where email = $1', [email]);
    const attempts: Array<[string, string]> = [
      [email, PASSWORD],
      [email, 'wrong horse battery'],
      [uniqueEmail(), 'unknown horse battery'],
      [passwordless.email, 'passwordless horse'],
      [email, `${PASSWORD}${'y'.repeat(72)}`],
    ];
    const responses: Array<GraphQLResponse<unknown>> = [];
    for (const [who, password] of attempts) responses.push(await signIn(app, who, password));
    expect(responses[0]!.errors).toBeUndefined();
    responses.forEach((response, i) => {
      expect(response.text).not.toContain(attempts[i]![1]);
      expect(response.text).not.toContain(PASSWORD);
      expect(response.text).not.toContain(stored!.password_hash);
      expect(response.text).not.toContain('$2b$');
    });
  });
});
