import { parseDuration } from '../../src/config/duration.js';

describe('parseDuration', () => {
  it.each([
    ['900', 900_000],
    ['900s', 900_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['14d', 1_209_600_000],
  ])('reads %s as %i ms (a bare number is seconds)', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '15x', '-1', '1.5m'])('refuses %p', (text) => {
    expect(() => parseDuration(text)).toThrow(/expected a duration/);
  });
});
