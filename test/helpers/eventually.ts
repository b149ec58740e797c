/**
 * Reads `read` every 25 ms until `done` holds or `ms` have passed, and returns the last value
 * read, for the test to assert on.
 */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** `eventually` within one second: only for the contract's "within one second" guarantees. */
export function withinOneSecond<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  return eventually(read, done, 1_000);
}
