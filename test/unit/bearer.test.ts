import { readBearer } from '../../src/graphql/context/bearer.js';

const JWS = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';

describe('readBearer', () => {
  it.each([undefined, '', '   '])('treats %p as no Authorization header', (header) => {
    expect(readBearer(header)).toEqual({ kind: 'absent' });
  });

  it.each(['Basic dXNlcjpwYXNz', `Token ${JWS}`, JWS])('treats %p as another scheme', (header) => {
    expect(readBearer(header)).toEqual({ kind: 'other-scheme' });
  });

  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('accepts the scheme %p case-insensitively', (scheme) => {
    expect(readBearer(`${scheme} ${JWS}`)).toEqual({ kind: 'token', token: JWS });
  });

  it.each(['Bearer', 'Bearer a b', 'Bearer not-a-jwt', `Bearer ${JWS} extra`, 'Bearer a.b', 'Bearer a.b.c.d'])('treats %p as malformed', (header) => {
    expect(readBearer(header)).toEqual({ kind: 'malformed' });
  });

  it('returns a compact JWS as the token, without the scheme or surrounding spaces', () => {
    expect(readBearer(`  Bearer ${JWS}  `)).toEqual({ kind: 'token', token: JWS });
  });
});
