/**
 * A Map that forgets its oldest entries beyond a budget in bytes. `bytesOf` says what an entry
 * keeps alive on the heap; it is asked again when the entry leaves, so values must not change
 * while stored. The costs it is given are measured by `npm run bench` (bench/cache-costs.ts).
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();
  private total = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly bytesOf: (key: K, value: V) => number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** What the entries cost, as `bytesOf` estimates it. */
  get bytes(): number {
    return this.total;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** Stores the entry as the newest, pushing out the oldest ones while over budget. */
  set(key: K, value: V): void {
    this.delete(key);
    const bytes = this.bytesOf(key, value);
    if (bytes > this.maxBytes) return;
    while (this.total + bytes > this.maxBytes) this.delete(this.entries.keys().next().value as K);
    this.entries.set(key, value);
    this.total += bytes;
  }

  delete(key: K): boolean {
    if (!this.entries.has(key)) return false;
    this.total -= this.bytesOf(key, this.entries.get(key) as V);
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries[Symbol.iterator]();
  }
}

/**
 * Heap bytes of a flat V8 string: a 16-byte header, then one byte per character when every
 * character fits in Latin-1, else two, rounded up to 8.
 */
export function stringBytes(text: string): number {
  // eslint-disable-next-line no-control-regex -- the test is for characters beyond Latin-1
  const perChar = /[^\u0000-\u00ff]/.test(text) ? 2 : 1;
  return Math.ceil((16 + text.length * perChar) / 8) * 8;
}
