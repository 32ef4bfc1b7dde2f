/**
 * A streaming quantile estimator for non-negative values (absolute errors) in bounded memory. Pure.
 *
 * DDSketch-style: a positive value `x` is counted in the logarithmic bucket `i = ceil(log_γ x)`, which covers
 * `(γ^(i-1), γ^i]`, with `γ = (1 + α) / (1 - α)`; zeros have a bucket of their own. A bucket is answered by
 * `2γ^i / (γ + 1)`, which is within a relative distance `α` of every value in it.
 */

/** Relative accuracy used when none is given: 1 %. */
export const DEFAULT_RELATIVE_ACCURACY = 0.01;

/**
 * Buckets kept when none is given. At α = 1 % they span a ratio of about 10^17 between the smallest and the
 * largest value kept apart, so for errors they are never collapsed in practice.
 */
export const DEFAULT_MAX_BUCKETS = 2048;

export interface QuantileSketchOptions {
  /**
   * Relative accuracy α, in (0, 1).
   * @default DEFAULT_RELATIVE_ACCURACY
   */
  readonly relativeAccuracy?: number;
  /**
   * Most logarithmic buckets held; memory is O(maxBuckets) whatever the number of values.
   * @default DEFAULT_MAX_BUCKETS
   */
  readonly maxBuckets?: number;
}

/**
 * Streaming quantiles with a relative error guarantee.
 *
 * Guarantee: with `n` values added, `quantile(q)` estimates `x`, the value of rank `⌊q·(n−1)⌋` (0-based) in sorted
 * order, with `|quantile(q) − x| ≤ α·x` (up to floating-point rounding at bucket edges). So 0 is answered exactly,
 * and so are `quantile(0)` and `quantile(1)` (the exact minimum and maximum are kept, and estimates are clamped to
 * them). The guarantee holds while the values span fewer than `maxBuckets` buckets (a ratio of `γ^maxBuckets`
 * between the largest value and the smallest positive one); past that, the lowest buckets are merged, and only
 * the quantiles that fall in merged buckets lose accuracy (they are over-estimated).
 *
 * An empty sketch answers `NaN`: there is no quantile of nothing, and `NaN` cannot be mistaken for a measurement.
 *
 * @example
 * ```ts
 * const sketch = new QuantileSketch();
 * for (const e of [1, 2, 3, 4, 100]) sketch.add(e);
 * sketch.quantile(0.5); // 3, within 1 %
 * ```
 */
export class QuantileSketch {
  readonly relativeAccuracy: number;
  readonly maxBuckets: number;
  private readonly gamma: number;
  private readonly lnGamma: number;
  /**
   * Counts of the buckets `[maxIndex - maxBuckets + 1, maxIndex]`, bucket `i` at `counts[i - base]`: a dense typed
   * array instead of a Map, so that `add` is an increment and `quantile` a scan without sorting keys.
   */
  private counts: Float64Array;
  private base = 0;
  private minIndex = Infinity;
  private maxIndex = -Infinity;
  private zeros = 0;
  private n = 0;
  private lo = Infinity;
  private hi = -Infinity;

  constructor(options: QuantileSketchOptions = {}) {
    const alpha = options.relativeAccuracy ?? DEFAULT_RELATIVE_ACCURACY;
    const maxBuckets = options.maxBuckets ?? DEFAULT_MAX_BUCKETS;
    if (!(alpha > 0 && alpha < 1)) throw new RangeError(`relativeAccuracy must be in (0, 1), got ${alpha}`);
    if (!Number.isInteger(maxBuckets) || maxBuckets < 1)
      throw new RangeError(`maxBuckets must be a positive integer, got ${maxBuckets}`);
    this.relativeAccuracy = alpha;
    this.maxBuckets = maxBuckets;
    this.gamma = (1 + alpha) / (1 - alpha);
    this.lnGamma = Math.log(this.gamma);
    this.counts = new Float64Array(maxBuckets);
  }

  /** Number of values added since construction or the last `reset()`. */
  get count(): number {
    return this.n;
  }

  /** Adds one value. Throws a `RangeError` for a negative or non-finite value. */
  add(x: number): void {
    if (!(x >= 0) || x === Infinity)
      throw new RangeError(`QuantileSketch takes finite values >= 0, got ${x}`);
    this.n++;
    if (x < this.lo) this.lo = x;
    if (x > this.hi) this.hi = x;
    if (x === 0) {
      this.zeros++;
      return;
    }
    let index = Math.ceil(Math.log(x) / this.lnGamma);
    if (index > this.maxIndex) this.raiseMaxIndex(index);
    if (index < this.base) index = this.base;
    if (index < this.minIndex) this.minIndex = index;
    this.counts[index - this.base]!++;
  }

  /**
   * The estimated value of rank `⌊q·(count−1)⌋`, within the relative accuracy (see the class documentation).
   * `NaN` when empty. Throws a `RangeError` unless `0 <= q <= 1`.
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
    if (this.n === 0) return NaN;
    const rank = Math.floor(q * (this.n - 1));
    // The extremes are known exactly, even when their buckets have been collapsed.
    if (rank === 0) return this.lo;
    if (rank === this.n - 1) return this.hi;
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    for (let i = this.minIndex; i <= this.maxIndex; i++) {
      seen += this.counts[i - this.base]!;
      if (seen > rank) return this.clamp((2 * Math.pow(this.gamma, i)) / (this.gamma + 1));
    }
    return this.hi;
  }

  /** Forgets every value. */
  reset(): void {
    this.counts = new Float64Array(this.maxBuckets);
    this.base = 0;
    this.minIndex = Infinity;
    this.maxIndex = -Infinity;
    this.zeros = 0;
    this.n = 0;
    this.lo = Infinity;
    this.hi = -Infinity;
  }

  private clamp(v: number): number {
    return Math.min(this.hi, Math.max(this.lo, v));
  }

  /**
   * Makes `index` the largest bucket: the window of buckets moves up, and every bucket below its new floor is
   * folded into the floor (DDSketch's collapsing-lowest store). Rare: only a new largest value moves it.
   */
  private raiseMaxIndex(index: number): void {
    const floor = index - this.maxBuckets + 1;
    if (this.maxIndex === -Infinity) {
      this.base = floor;
      this.maxIndex = index;
      return;
    }
    const shift = floor - this.base;
    const counts = this.counts;
    let folded = 0;
    for (let k = 0; k < Math.min(shift + 1, counts.length); k++) folded += counts[k]!;
    if (shift < counts.length) {
      counts.copyWithin(0, shift);
      counts.fill(0, counts.length - shift);
    } else counts.fill(0);
    counts[0] = folded;
    this.base = floor;
    this.maxIndex = index;
    if (this.minIndex < floor) this.minIndex = floor;
  }
}
