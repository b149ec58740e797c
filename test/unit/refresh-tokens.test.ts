import { randomUUID } from 'node:crypto';
import { hashRefreshToken, newRefreshToken, nextRefreshToken, parseRefreshToken, presentedToken } from '../../src/services/refresh-tokens.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SHAPE = new RegExp(`^${UUID}\\.${UUID}\\.[A-Za-z0-9_-]{43}$`);

const someSession = () => ({ userId: randomUUID(), id: randomUUID() });

describe('newRefreshToken', () => {
  it('is `<user id>.<session id>.<43 base64url characters>` carrying at least 128 bits of secret', () => {
    const session = someSession();
    const token = newRefreshToken(session);
    expect(token).toMatch(SHAPE);
    expect(token.startsWith(`${session.userId}.${session.id}.`)).toBe(true);
    expect(Buffer.from(token.split('.')[2]!, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
  });

  it('never repeats a secret', () => {
    const session = someSession();
    const tokens = new Set(Array.from({ length: 1_000 }, () => newRefreshToken(session)));
    expect(tokens.size).toBe(1_000);
  });
});

describe('parseRefreshToken', () => {
  it('reads the user and session ids of a well-formed token', () => {
    const session = someSession();
    expect(parseRefreshToken(newRefreshToken(session))).toEqual(session);
  });

  const [user, id] = [randomUUID(), randomUUID()];
  it.each([
    ['empty', ''],
    ['a session id alone', id],
    ['a secret alone', 'a'.repeat(43)],
    ['a token without the user id', `${id}.${'a'.repeat(43)}`],
    ['a 42-character secret', `${user}.${id}.${'a'.repeat(42)}`],
    ['a 44-character secret', `${user}.${id}.${'a'.repeat(44)}`],
    ['a padded secret', `${user}.${id}.${'a'.repeat(42)}=`],
    ['a secret with a character outside base64url', `${user}.${id}.${'a'.repeat(42)}+`],
    ['something that is not a uuid before the secret', `${user}.not-a-session.${'a'.repeat(43)}`],
    ['upper-case ids', `${user.toUpperCase()}.${id}.${'a'.repeat(43)}`],
    ['trailing whitespace', `${user}.${id}.${'a'.repeat(43)} `],
    ['a JWT', 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl'],
  ])('refuses %s', (_name, token) => {
    expect(parseRefreshToken(token)).toBeNull();
  });
});

describe('nextRefreshToken', () => {
  const session = someSession();
  const token = newRefreshToken(session);

  it('derives the same successor from the same token and key', () => {
    expect(nextRefreshToken(token, 'key-one')).toBe(nextRefreshToken(token, 'key-one'));
  });

  it('derives another successor under another key', () => {
    expect(nextRefreshToken(token, 'key-one')).not.toBe(nextRefreshToken(token, 'key-two'));
  });

  it('keeps the ids and the token shape, and is never the token it replaces', () => {
    const next = nextRefreshToken(token, 'key-one');
    expect(next).not.toBe(token);
    expect(next).toMatch(SHAPE);
    expect(parseRefreshToken(next)).toEqual(session);
  });

  it('derives a fresh successor at every step of a chain', () => {
    const chain = [token];
    for (let i = 0; i < 5; i += 1) chain.push(nextRefreshToken(chain[i]!, 'key-one'));
    expect(new Set(chain).size).toBe(6);
  });
});

describe('presentedToken', () => {
  const session = someSession();
  const first = newRefreshToken(session);
  const chain = [first];
  for (let i = 0; i < 4; i += 1) chain.push(nextRefreshToken(chain[i]!, 'rotation-key'));
  const [grandparent, , , previous, current] = [chain[0]!, chain[1]!, chain[2]!, chain[3]!, chain[4]!];
  const stored = { currentHash: hashRefreshToken(current), previousHash: hashRefreshToken(previous), generation: 4, rotationKey: 'rotation-key' };

  it('names the live token, the one rotated out last, and any older one of the chain', () => {
    expect(presentedToken(current, stored)).toBe('current');
    expect(presentedToken(previous, stored)).toBe('previous');
    expect(presentedToken(chain[2]!, stored)).toBe('ancestor');
    expect(presentedToken(grandparent, stored)).toBe('ancestor');
  });

  it('recognises nothing else: another secret, another rotation key, or a chain longer than the generation count', () => {
    expect(presentedToken(newRefreshToken(session), stored)).toBeNull();
    expect(presentedToken(grandparent, { ...stored, rotationKey: 'another-key' })).toBeNull();
    expect(presentedToken(grandparent, { ...stored, generation: 3 })).toBeNull();
  });
});
