/**
 * Records per second from arrival times, in fixed memory: counts per whole second in a small ring. Pure: the
 * caller passes the times, so tests need no clock.
 */

/** Whole seconds the rate is averaged over. */
export const RATE_SPAN_SECONDS = 2;

export class RateMeter {
  /** Counts per second for the last `span + 1` seconds (the current one included), by `second % length`. */
  private readonly counts: number[];
  private readonly seconds: number[];
  private firstAt: number | undefined;

  constructor(private readonly span: number = RATE_SPAN_SECONDS) {
    if (!Number.isSafeInteger(span) || span < 1)
      throw new RangeError(`span must be a positive integer, got ${span}`);
    this.counts = new Array<number>(span + 1).fill(0);
    this.seconds = new Array<number>(span + 1).fill(-Infinity);
  }

  /** Counts `n` records that arrived at `atMs` (milliseconds, any epoch, never going back). */
  add(atMs: number, n = 1): void {
    this.firstAt ??= atMs;
    const s = Math.floor(atMs / 1000);
    const slot = s % this.counts.length;
    if (this.seconds[slot] !== s) {
      this.seconds[slot] = s;
      this.counts[slot] = 0;
    }
    this.counts[slot]! += n;
  }

  /**
   * Records per second at `nowMs`: the average over the last `span` complete seconds (only the part of them since
   * the first record), or, within the first record's second, the count so far over the time since it. 0 before
   * any record.
   */
  rate(nowMs: number): number {
    if (this.firstAt === undefined) return 0;
    const now = Math.floor(nowMs / 1000);
    const first = Math.floor(this.firstAt / 1000);
    if (now <= first) return (this.countAt(now) * 1000) / Math.max(100, nowMs - this.firstAt);
    const from = now - Math.min(this.span, now - first);
    let sum = 0;
    for (let s = from; s < now; s++) sum += this.countAt(s);
    const covered = now * 1000 - Math.max(from * 1000, this.firstAt);
    return (sum * 1000) / Math.max(100, covered);
  }

  reset(): void {
    this.counts.fill(0);
    this.seconds.fill(-Infinity);
    this.firstAt = undefined;
  }

  private countAt(second: number): number {
    const slot = ((second % this.counts.length) + this.counts.length) % this.counts.length;
    return this.seconds[slot] === second ? this.counts[slot]! : 0;
  }
}
