/**
 * The error histogram, binned the same way by every consumer (the PNG and the dashboard). Pure.
 *
 * The layout depends only on the largest value seen: `bins` bins of width `w = 2^k`, the smallest power of two
 * with `bins · w > max`, starting at 0. Bin `i` is `[i·w, (i+1)·w)`. Dividing by a power of two is exact, so
 * every value lands in `⌊x / w⌋` without rounding, and doubling the width merges bins pairwise exactly (the edges
 * of the wide bins are edges of the narrow ones). Hence two consumers that saw the same values, in any order and
 * in any number of pieces merged together, hold identical histograms.
 */

/** Bin count used when none is given. */
export const DEFAULT_BINS = 20;

/**
 * The narrowest bin width is `2^MIN_BIN_EXPONENT` (about 1e-6), used when the largest value is 0 or the
 * histogram is empty: errors below a millionth are all "zero" as far as a histogram is concerned, and a bound is
 * needed because `bins · 2^k > 0` has no smallest solution.
 */
export const MIN_BIN_EXPONENT = -20;

export interface HistogramBin {
  /** Inclusive. */
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
  readonly count: number;
}

export interface HistogramSnapshot {
  /** A power of two. */
  readonly binWidth: number;
  /** Always `bins` entries, contiguous from 0, empty ones included. */
  readonly bins: readonly HistogramBin[];
  /** Number of values counted. */
  readonly total: number;
}

/**
 * The exponent `k` of the bin width `2^k` for `bins` bins and a largest value `max` (0 when empty): the smallest
 * `k >= MIN_BIN_EXPONENT` with `bins · 2^k > max`.
 */
export function binExponent(max: number, bins: number): number {
  let k = Math.max(MIN_BIN_EXPONENT, Math.ceil(Math.log2(max / bins)));
  // log2 is not exact; step to the exact answer (at most a step or two).
  while (bins * 2 ** k <= max) k++;
  while (k > MIN_BIN_EXPONENT && bins * 2 ** (k - 1) > max) k--;
  // Math.ceil of a small negative number is -0, which would leak into comparisons by Object.is.
  return k === 0 ? 0 : k;
}

const checkValue = (x: number): void => {
  if (!(x >= 0) || x === Infinity) throw new RangeError(`histogram values must be finite and >= 0, got ${x}`);
};

/**
 * A fixed number of equal bins from 0 whose width follows the data (see the module documentation).
 *
 * @example
 * ```ts
 * const h = new ErrorHistogram(4);
 * [0.5, 1, 3].forEach((x) => h.add(x));
 * h.snapshot(); // binWidth 1: [0,1) 1, [1,2) 1, [2,3) 0, [3,4) 1
 * ```
 */
export class ErrorHistogram {
  readonly binCount: number;
  private counts: number[];
  private exponent = MIN_BIN_EXPONENT;
  private max = 0;
  private n = 0;

  /** Throws a `RangeError` unless `bins` is a positive integer. */
  constructor(bins: number = DEFAULT_BINS) {
    if (!Number.isSafeInteger(bins) || bins < 1)
      throw new RangeError(`bins must be a positive integer, got ${bins}`);
    this.binCount = bins;
    this.counts = new Array<number>(bins).fill(0);
  }

  /** A histogram of `values`. */
  static fromValues(values: Iterable<number>, bins: number = DEFAULT_BINS): ErrorHistogram {
    const h = new ErrorHistogram(bins);
    for (const x of values) h.add(x);
    return h;
  }

  /** The histogram of the values of both, exactly as if one had seen them all. Both must have as many bins. */
  static merge(a: ErrorHistogram, b: ErrorHistogram): ErrorHistogram {
    if (a.binCount !== b.binCount)
      throw new RangeError(`cannot merge histograms of ${a.binCount} and ${b.binCount} bins`);
    const out = new ErrorHistogram(a.binCount);
    out.max = Math.max(a.max, b.max);
    out.exponent = Math.max(a.exponent, b.exponent);
    out.n = a.n + b.n;
    for (const src of [a, b]) {
      const factor = 2 ** (out.exponent - src.exponent);
      src.counts.forEach((c, i) => (out.counts[Math.floor(i / factor)]! += c));
    }
    return out;
  }

  get total(): number {
    return this.n;
  }

  get binWidth(): number {
    return 2 ** this.exponent;
  }

  /** Counts one value. Throws a `RangeError` for a negative or non-finite value, counting nothing. */
  add(x: number): void {
    checkValue(x);
    if (x > this.max) {
      const k = binExponent(x, this.binCount);
      // Only near Number.MAX_VALUE: the bin edges themselves would overflow to Infinity.
      if (k > 1023 || !Number.isFinite(this.binCount * 2 ** k))
        throw new RangeError(`${x} is too large to bin in ${this.binCount} bins`);
      if (k > this.exponent) this.widen(k);
      this.max = x;
    }
    this.counts[Math.floor(x / 2 ** this.exponent)]!++;
    this.n++;
  }

  snapshot(): HistogramSnapshot {
    const w = this.binWidth;
    return {
      binWidth: w,
      bins: this.counts.map((count, i) => ({ start: i * w, end: (i + 1) * w, count })),
      total: this.n,
    };
  }

  /** Forgets every value. */
  reset(): void {
    this.counts.fill(0);
    this.exponent = MIN_BIN_EXPONENT;
    this.max = 0;
    this.n = 0;
  }

  /** Multiplies the width by `2^(k - exponent)`, folding each group of that many bins into one. */
  private widen(k: number): void {
    const factor = 2 ** (k - this.exponent);
    const next = new Array<number>(this.binCount).fill(0);
    this.counts.forEach((c, i) => (next[Math.floor(i / factor)]! += c));
    this.counts = next;
    this.exponent = k;
  }
}
