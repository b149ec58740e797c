import { randomBytes } from 'node:crypto';
import { budgetKeyOf } from '../../src/services/rate-limits.js';
import { listedSessions, PASSWORD, signIn, signUp, uniqueEmail } from '../helpers/accounts.js';
import { errorCode } from '../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/** Review item 1: the client address behind proxies, and budgets a client cannot reset by changing it. */

const WRONG = 'wrong horse battery';
const randomIPv4 = () => [...randomBytes(4)].join('.');

describe('client address: TRUST_PROXY=true, RATE_LIMIT_SIGNIN=3/5m', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ TRUST_PROXY: 'true', RATE_LIMIT_SIGNIN: '3/5m', SIGNIN_ACCOUNT_MAX_FAILURES: '100' });
  });
  afterAll(() => app?.close());

  it('four failures from one socket, each with a fresh random entry before the proxy\'s "10.0.0.9" → the fourth is RATE_LIMITED', async () => {
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(errorCode(await signIn(app, uniqueEmail(), WRONG, { 'x-forwarded-for': `${randomIPv4()}, 10.0.0.9` })));
    expect(codes).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'RATE_LIMITED']);
  });

  it('two IPv6 addresses of one /64 → one budget: the fourth failure across them is RATE_LIMITED', async () => {
    const prefix = `2001:db8:${randomBytes(2).toString('hex')}:1`;
    const codes = [];
    for (const host of ['::1', '::2', ':0:0:0:1', '::abcd']) codes.push(errorCode(await signIn(app, uniqueEmail(), WRONG, { 'x-forwarded-for': `${prefix}${host}` })));
    expect(codes).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'RATE_LIMITED']);
    // Another /64 has its own budget.
    expect(errorCode(await signIn(app, uniqueEmail(), WRONG, { 'x-forwarded-for': `2001:db8:${randomBytes(2).toString('hex')}:2::1` }))).toBe('INVALID_CREDENTIALS');
  });

  it('an entry that is not an IP address → the socket address is used and stored; the entry never is', async () => {
    const pair = await signUp(app, uniqueEmail(), PASSWORD, { 'x-forwarded-for': '203.0.113.9, not-an-address' });
    const [session] = await listedSessions(app, pair.accessToken);
    expect(session!.ip).toBe('127.0.0.1');
    const audit = await app.sql<{ ip: string }>('select ip from audit_events where user_id = $1', [pair.user.id]);
    expect(audit.map((row) => row.ip)).not.toContain('not-an-address');
  });
});

describe('client address: TRUST_PROXY=2 (two proxies append)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ TRUST_PROXY: '2' });
  });
  afterAll(() => app?.close());

  it('takes the second entry from the right', async () => {
    const pair = await signUp(app, uniqueEmail(), PASSWORD, { 'x-forwarded-for': '192.0.2.1, 198.51.100.7, 10.0.0.2' });
    expect((await listedSessions(app, pair.accessToken))[0]!.ip).toBe('198.51.100.7');
  });

  it('with fewer entries than proxies → the socket address', async () => {
    const pair = await signUp(app, uniqueEmail(), PASSWORD, { 'x-forwarded-for': '10.0.0.2' });
    expect((await listedSessions(app, pair.accessToken))[0]!.ip).toBe('127.0.0.1');
  });
});

describe('budgetKeyOf', () => {
  it.each([
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:0:0:1', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::ffff:192.0.2.1', '0:0:0:0::/64'],
    ['192.0.2.1', '192.0.2.1'],
  ])('%s → %s', (ip, key) => {
    expect(budgetKeyOf(ip)).toBe(key);
  });
});
