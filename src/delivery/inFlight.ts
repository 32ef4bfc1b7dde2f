/**
 * Counts a service's work in flight, so that a graceful stop can wait until every message taken has been settled
 * before it cancels the consumers (which would otherwise hand the unsettled ones back for redelivery).
 */

export class InFlight {
  private count = 0;
  private waiters: (() => void)[] = [];

  get size(): number {
    return this.count;
  }

  /** Counts `work` as in flight until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.count++;
    return work.finally(() => {
      if (--this.count === 0) for (const w of this.waiters.splice(0)) w();
    });
  }

  whenIdle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
