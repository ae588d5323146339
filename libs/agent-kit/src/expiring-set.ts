/**
 * Keys remembered for a while (cancelled or finished request ids). One TTL
 * for all keys, so insertion order is expiry order and pruning is cheap;
 * `maxSize` bounds memory under a flood of cancels.
 */
export class ExpiringSet {
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxSize = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(key: string): void {
    this.expiries.delete(key);
    this.expiries.set(key, this.now() + this.ttlMs);
    this.prune();
  }

  has(key: string): boolean {
    this.prune();
    return this.expiries.has(key);
  }

  get size(): number {
    this.prune();
    return this.expiries.size;
  }

  private prune(): void {
    const now = this.now();
    for (const [key, expiry] of this.expiries) {
      if (expiry > now && this.expiries.size <= this.maxSize) break;
      this.expiries.delete(key);
    }
  }
}
