import bcrypt from 'bcrypt';

/** bcrypt hashing in libuv's thread pool, so the event loop stays free while it works. */
export class Passwords {
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly cost: number) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  /**
   * Compares against the stored hash, or, for an unknown email or a password-less account,
   * against a dummy hash of the same cost, so all three failures take about the same time.
   */
  async matches(password: string, storedHash: string | null): Promise<boolean> {
    if (storedHash === null) {
      await bcrypt.compare(password, await this.dummy());
      return false;
    }
    return bcrypt.compare(password, storedHash);
  }

  /** True when a stored hash was made with less work than BCRYPT_COST asks for now. */
  needsRehash(storedHash: string): boolean {
    return bcrypt.getRounds(storedHash) < this.cost;
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= bcrypt.hash('timing-equaliser-not-a-password', this.cost);
    return this.dummyHash;
  }
}
