/**
 * A histogram as plain counts, for one observation per joined record: a short scan of the bounds and two
 * additions, without the label hashing of prom-client's `Histogram.observe` (about 70 ns a call on the 2-vCPU
 * machine of docs/performance.md, against a few here). Read at scrape time.
 */
export class BucketCounts {
  readonly bounds: readonly number[];
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last one: above every bound. */
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  /** @param bounds the upper bounds, ascending */
  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.#counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > (this.bounds[i] as number)) i++;
    this.#counts[i] = (this.#counts[i] ?? 0) + 1;
    this.#sum += value;
    this.#count++;
  }

  /** The cumulative count at each bound, then +Inf, with the sum and count: Prometheus' buckets. */
  cumulative(): { readonly buckets: readonly number[]; readonly sum: number; readonly count: number } {
    let running = 0;
    const buckets = Array.from(this.#counts, (n) => (running += n));
    return { buckets, sum: this.#sum, count: this.#count };
  }
}
