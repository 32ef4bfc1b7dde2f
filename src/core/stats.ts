/**
 * Running summary statistics of absolute errors, shared by the plot service and the dashboard. Pure.
 */
import { QuantileSketch, type QuantileSketchOptions } from './quantileSketch.js';

/**
 * A summary of the absolute errors seen so far.
 *
 * With `count === 0` every other field is `NaN` (not 0: "no data" must not read as "perfect model"). Note that
 * `JSON.stringify` turns `NaN` into `null`.
 */
export interface StatsSnapshot {
  readonly count: number;
  /** Mean absolute error. */
  readonly mae: number;
  /** Root mean square of the errors. */
  readonly rmse: number;
  /** Exact. */
  readonly min: number;
  /** Exact. */
  readonly max: number;
  /** Median, within the sketch's relative accuracy (1 % by default); see `QuantileSketch`. */
  readonly p50: number;
  /** 95th percentile, within the sketch's relative accuracy. */
  readonly p95: number;
}

/**
 * Neumaier's compensated sum: the rounding error of each addition is carried separately, so the sum of millions
 * of errors of very different sizes stays accurate to about one rounding, instead of drifting by `n` roundings.
 */
class CompensatedSum {
  private sum = 0;
  private compensation = 0;

  add(x: number): void {
    const t = this.sum + x;
    this.compensation += Math.abs(this.sum) >= Math.abs(x) ? this.sum - t + x : x - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    return this.sum + this.compensation;
  }
}

/**
 * Count, MAE, RMSE, min, max and approximate p50/p95 of a stream of absolute errors, in O(1) time per value and
 * bounded memory. Sums use Neumaier compensated summation (see `CompensatedSum`) to keep their precision.
 *
 * @example
 * ```ts
 * const stats = new RunningStats();
 * stats.add(3);
 * stats.add(4);
 * stats.snapshot(); // { count: 2, mae: 3.5, rmse: 3.5355…, min: 3, max: 4, p50: 3 (±1 %), p95: 3 (±1 %) }
 * ```
 */
export class RunningStats {
  private readonly sketch: QuantileSketch;
  private sum = new CompensatedSum();
  private sumOfSquares = new CompensatedSum();
  private n = 0;
  private lo = Infinity;
  private hi = -Infinity;

  constructor(sketchOptions: QuantileSketchOptions = {}) {
    this.sketch = new QuantileSketch(sketchOptions);
  }

  get count(): number {
    return this.n;
  }

  /** Adds one absolute error. Throws a `RangeError` for a negative or non-finite value, adding nothing. */
  add(x: number): void {
    if (!(x >= 0) || x === Infinity) throw new RangeError(`absolute error must be finite and >= 0, got ${x}`);
    this.sketch.add(x);
    this.sum.add(x);
    this.sumOfSquares.add(x * x);
    this.n++;
    if (x < this.lo) this.lo = x;
    if (x > this.hi) this.hi = x;
  }

  snapshot(): StatsSnapshot {
    const n = this.n;
    if (n === 0) return { count: 0, mae: NaN, rmse: NaN, min: NaN, max: NaN, p50: NaN, p95: NaN };
    return {
      count: n,
      mae: this.sum.value / n,
      rmse: Math.sqrt(this.sumOfSquares.value / n),
      min: this.lo,
      max: this.hi,
      p50: this.sketch.quantile(0.5),
      p95: this.sketch.quantile(0.95),
    };
  }

  /** Forgets every value. */
  reset(): void {
    this.sketch.reset();
    this.sum = new CompensatedSum();
    this.sumOfSquares = new CompensatedSum();
    this.n = 0;
    this.lo = Infinity;
    this.hi = -Infinity;
  }
}
