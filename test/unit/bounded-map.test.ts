import { BoundedMap, stringBytes } from '../../src/services/bounded-map.js';

describe('BoundedMap', () => {
  const byLength = () => new BoundedMap<string, string>(10, (key, value) => key.length + value.length);

  it('keeps what fits, oldest out first, and counts the bytes it holds', () => {
    const map = byLength();
    map.set('a', 'aaaa');
    map.set('b', 'bbbb');
    expect(map.bytes).toBe(10);
    map.set('c', 'c');
    expect([...map].map(([key]) => key)).toEqual(['b', 'c']);
    expect(map.bytes).toBe(7);
  });

  it('gives the bytes of a replaced or deleted entry back', () => {
    const map = byLength();
    map.set('a', 'aaaa');
    map.set('a', 'a');
    expect(map.bytes).toBe(2);
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
    expect(map.bytes).toBe(0);
    expect(map.size).toBe(0);
  });

  it('never stores an entry larger than the whole budget, and keeps the others then', () => {
    const map = byLength();
    map.set('a', 'aaaa');
    map.set('b', 'b'.repeat(10));
    expect(map.has('b')).toBe(false);
    expect(map.get('a')).toBe('aaaa');
  });

  it('empties on clear', () => {
    const map = byLength();
    map.set('a', 'a');
    map.clear();
    expect(map.size).toBe(0);
    expect(map.bytes).toBe(0);
  });
});

describe('stringBytes', () => {
  it('counts a 16-byte header and one byte per Latin-1 character, two otherwise, in 8-byte steps', () => {
    expect(stringBytes('')).toBe(16);
    expect(stringBytes('a')).toBe(24);
    expect(stringBytes('x'.repeat(36))).toBe(56);
    expect(stringBytes('é'.repeat(8))).toBe(24);
    expect(stringBytes('한'.repeat(8))).toBe(32);
  });
});
