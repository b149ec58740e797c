/**
 * Reads `read` every 25 ms until `done` holds or one second has passed, and returns the last value
 * read, for the test to assert on. Only for the contract's "within one second" guarantees.
 */
export async function withinOneSecond<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 1_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
