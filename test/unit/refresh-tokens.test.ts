import { randomUUID } from 'node:crypto';
import { newRefreshToken, nextRefreshToken, parseRefreshToken } from '../../src/services/refresh-tokens.js';

const SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/;

describe('newRefreshToken', () => {
  it('is `<session id>.<43 base64url characters>` carrying at least 128 bits of secret', () => {
    const sessionId = randomUUID();
    const token = newRefreshToken(sessionId);
    expect(token).toMatch(SHAPE);
    expect(token.startsWith(`${sessionId}.`)).toBe(true);
    expect(Buffer.from(token.split('.')[1]!, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
  });

  it('never repeats a secret', () => {
    const sessionId = randomUUID();
    const tokens = new Set(Array.from({ length: 1_000 }, () => newRefreshToken(sessionId)));
    expect(tokens.size).toBe(1_000);
  });
});

describe('parseRefreshToken', () => {
  it('reads the session id of a well-formed token', () => {
    const sessionId = randomUUID();
    const token = newRefreshToken(sessionId);
    expect(parseRefreshToken(token)).toEqual({ sessionId, token });
  });

  const id = randomUUID();
  it.each([
    ['empty', ''],
    ['a session id alone', id],
    ['a secret alone', 'a'.repeat(43)],
    ['a 42-character secret', `${id}.${'a'.repeat(42)}`],
    ['a 44-character secret', `${id}.${'a'.repeat(44)}`],
    ['a padded secret', `${id}.${'a'.repeat(42)}=`],
    ['a secret with a character outside base64url', `${id}.${'a'.repeat(42)}+`],
    ['something that is not a uuid before the dot', `not-a-session.${'a'.repeat(43)}`],
    ['trailing whitespace', `${id}.${'a'.repeat(43)} `],
    ['a JWT', 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl'],
  ])('refuses %s', (_name, token) => {
    expect(parseRefreshToken(token)).toBeNull();
  });
});

describe('nextRefreshToken', () => {
  const sessionId = randomUUID();
  const token = newRefreshToken(sessionId);

  it('derives the same successor from the same token and key', () => {
    expect(nextRefreshToken(token, 'key-one')).toBe(nextRefreshToken(token, 'key-one'));
  });

  it('derives another successor under another key', () => {
    expect(nextRefreshToken(token, 'key-one')).not.toBe(nextRefreshToken(token, 'key-two'));
  });

  it('keeps the session id and the token shape, and is never the token it replaces', () => {
    const next = nextRefreshToken(token, 'key-one');
    expect(next).not.toBe(token);
    expect(parseRefreshToken(next)).toEqual({ sessionId, token: next });
  });

  it('derives a fresh successor at every step of a chain', () => {
    const chain = [token];
    for (let i = 0; i < 5; i += 1) chain.push(nextRefreshToken(chain[i]!, 'key-one'));
    expect(new Set(chain).size).toBe(6);
  });
});
