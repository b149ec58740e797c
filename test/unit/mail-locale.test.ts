import { localeOf } from '../../src/mail/locale.js';

/** Accept-Language → the language of a mail: English or Korean, English when the client prefers neither. */

describe('localeOf', () => {
  it.each([
    ['no header', null],
    ['an empty header', ''],
    ['a blank header', '   '],
  ])('%s → en', (_, header) => {
    expect(localeOf(header)).toBe('en');
  });

  it.each([
    ['ko-KR,ko;q=0.9,en;q=0.5', 'ko'],
    ['en-US', 'en'],
    ['en-US,en;q=0.9,ko;q=0.8', 'en'],
    ['fr, ko;q=0.4', 'ko'],
    ['fr-CA, de;q=0.9, ko;q=0.1', 'ko'],
    ['fr, de', 'en'],
    ['*', 'en'],
    ['ko', 'ko'],
    ['ko-Kore-KR', 'ko'],
  ])('%j → %s', (header, locale) => {
    expect(localeOf(header)).toBe(locale);
  });

  it.each([
    ['KO-kr', 'ko'],
    ['Ko', 'ko'],
    ['EN-us, KO;q=0.5', 'en'],
    ['fr,KO-KR;q=0.3', 'ko'],
  ])('language tags are case-insensitive: %j → %s', (header, locale) => {
    expect(localeOf(header)).toBe(locale);
  });

  it.each([
    ['en;q=0.5, ko;q=0.9', 'ko'],
    ['ko;q=0.5, en;q=0.9', 'en'],
    ['ko;q=0.500, en;q=0.499', 'ko'],
    ['ko ; q=0.9 , en ; q=0.8', 'ko'],
    ['ko;level=1;q=0.9, en;q=0.8', 'ko'],
  ])('the highest q wins, whatever the order: %j → %s', (header, locale) => {
    expect(localeOf(header)).toBe(locale);
  });

  it.each([
    ['ko, en', 'ko'],
    ['en, ko', 'en'],
    ['en;q=0.7, ko;q=0.7', 'en'],
    ['ko;q=0.7, en;q=0.7', 'ko'],
  ])('equal q: the first listed wins: %j → %s', (header, locale) => {
    expect(localeOf(header)).toBe(locale);
  });

  it.each([
    ['ko;q=0', 'en'],
    ['ko;q=0.0', 'en'],
    ['ko;q=0.000', 'en'],
    ['ko;q=0, en;q=0.1', 'en'],
    ['ko-KR;q=0, fr', 'en'],
    ['en;q=0, ko;q=0.2', 'ko'],
  ])('q=0 means "not this one": %j → %s', (header, locale) => {
    expect(localeOf(header)).toBe(locale);
  });

  it.each([
    [';;;,,,', 'en'],
    [',ko', 'ko'],
    ['ko;;, en', 'ko'],
    ['en, ko;q=', 'en'],
    ['q=0.9', 'en'],
    ['=, ;q=1, ko', 'ko'],
  ])('a malformed entry never throws: %j → %s', (header, locale) => {
    expect(localeOf(header)).toBe(locale);
  });

  it('a weight it cannot read never lifts a language above one the client ranked higher (nor "Q=0", which RFC 9110 reads as q=0)', () => {
    const cases = ['en;q=0.9, ko;q=0.5x', 'en;q=0.9, ko;q=abc', 'en;q=0.9, ko;q=0.0001', 'en;q=0.9, ko;q=-1', 'en;q=0.9, ko;Q=0.1', 'en;q=0.5, ko;Q=0'];
    expect(cases.filter((header) => localeOf(header) !== 'en')).toEqual([]);
  });

  it('a huge header is read only so far: a language past the first 512 characters is not seen', () => {
    const filler = Array.from({ length: 200 }, (_, i) => `x${i};q=0.5`).join(', ');
    expect(filler.length).toBeGreaterThan(512);
    expect(localeOf(`${filler}, ko`)).toBe('en');
    expect(localeOf(`ko;q=0.1, ${filler}`)).toBe('ko');
    expect(localeOf(`${'fr,'.repeat(500_000)}ko`)).toBe('en');
    // Cut mid-entry, `ko;q=0` would read as a bare `ko`: the partial entry is dropped instead.
    expect(localeOf(`en;q=0.5, ${'x'.repeat(499)},ko;q=0`)).toBe('en');
  });

  it.each([
    ['a header of only commas', ','.repeat(10_000)],
    ['a header of control characters', '\u0000\u0001\t\r\n'],
    ['a header with a lone surrogate', '\ud800;q=1'],
  ])('%s → en, without throwing', (_, header) => {
    expect(localeOf(header)).toBe('en');
  });
});
