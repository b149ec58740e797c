import { AUTH_FIELDS, type AuthPayload, PASSWORD, signUp, uniqueEmail } from '../../helpers/accounts.js';
import { errorCode } from '../../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { ${AUTH_FIELDS} } }`;

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app?.close());

function attempt(input: { email: string; password: string; nickname: string }) {
  return app.gql<{ signUp: AuthPayload }>(SIGN_UP, { input });
}

describe('signUp', () => {
  it('creates the account, normalises the email and returns a token pair', async () => {
    const email = uniqueEmail();
    const payload = await signUp(app, `  ${email.toUpperCase()} `);
    expect(payload).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, refreshExpiresIn: 14 * 86_400, isNewUser: true });
    expect(payload.user).toMatchObject({ email, emailVerified: false, nickname: 'Tester', providers: [], hasPassword: true });
    const rows = await app.sql<{ email: string; password_hash: string }>('select email, password_hash from users where id = $1', [payload.user.id]);
    expect(rows[0]!.email).toBe(email);
    expect(rows[0]!.password_hash).toMatch(/^\$2b\$04\$/);
  });

  it('answers EMAIL_TAKEN for the same email in another case or with spaces, and stores one account', async () => {
    const email = uniqueEmail();
    await signUp(app, email);
    const again = await attempt({ email: ` ${email.toUpperCase()}`, password: PASSWORD, nickname: 'Other' });
    expect(errorCode(again)).toBe('EMAIL_TAKEN');
    expect(await app.sql('select id from users where email = $1', [email])).toHaveLength(1);
  });

  it('creates exactly one account when the same email signs up in parallel', async () => {
    const email = uniqueEmail();
    const results = await Promise.all(Array.from({ length: 5 }, () => attempt({ email, password: PASSWORD, nickname: 'Racer' })));
    expect(results.filter((r) => r.data?.signUp)).toHaveLength(1);
    expect(results.filter((r) => r.errors?.[0]?.extensions?.code === 'EMAIL_TAKEN')).toHaveLength(4);
    expect(await app.sql('select id from users where email = $1', [email])).toHaveLength(1);
  });

  it.each([
    ['email', { email: 'not-an-email', password: PASSWORD, nickname: 'N' }],
    ['email', { email: `${'a'.repeat(10_000)}@example.com`, password: PASSWORD, nickname: 'N' }],
    ['password', { email: 'short@example.com', password: 'short', nickname: 'N' }],
    ['password', { email: 'long@example.com', password: 'é'.repeat(37), nickname: 'N' }],
    ['password', { email: 'huge@example.com', password: 'x'.repeat(1_000_000), nickname: 'N' }],
    ['nickname', { email: 'blank@example.com', password: PASSWORD, nickname: '   ' }],
    ['nickname', { email: 'longnick@example.com', password: PASSWORD, nickname: 'n'.repeat(51) }],
  ])('refuses a bad %s with BAD_USER_INPUT naming the field, without echoing the input', async (field, input) => {
    const response = await attempt(input);
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(response.text).not.toContain(input.password.slice(0, 20));
    expect(await app.sql('select id from users where email = $1', [input.email.toLowerCase()])).toHaveLength(0);
  });

  it('refuses a password over 72 bytes rather than truncating it', async () => {
    const response = await attempt({ email: uniqueEmail(), password: 'p'.repeat(73), nickname: 'N' });
    expect(response.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'password' });
  });

  it('never puts a password, its hash or a refresh-token hash in the response', async () => {
    const email = uniqueEmail();
    const response = await attempt({ email, password: PASSWORD, nickname: 'Leak' });
    const [stored] = await app.sql<{ password_hash: string }>('select password_hash from users where email = $1', [email]);
    const [userId, sessionId] = response.data!.signUp.refreshToken.split('.');
    const refreshHash = await app.redis().hget(`${app.redisPrefix}session:{${userId}}:${sessionId}`, 'currentHash');
    expect(refreshHash).toBeTruthy();
    expect(response.text).not.toContain(PASSWORD);
    expect(response.text).not.toContain(stored!.password_hash);
    expect(response.text).not.toContain('$2b$');
    expect(response.text).not.toContain(refreshHash);
  });
});
