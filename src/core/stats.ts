/**
 * Summary statistics of prediction errors. Pure. `RunningStats` summarises a stream of absolute errors (the plot
 * service and the dashboard); `regressionMetrics` scores a whole set of predictions at once (training).
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

/** How well a model fits the data it was trained on. */
export interface RegressionMetrics {
  /** Mean absolute error. */
  readonly mae: number;
  /** Root mean squared error. */
  readonly rmse: number;
  /** Coefficient of determination, 1 − SS_res/SS_tot. */
  readonly r2: number;
}

/**
 * MAE, RMSE and R² of predictions against truth. R² of a constant truth follows scikit-learn: 1 for a perfect
 * fit, else 0.
 * @throws RangeError on empty or unequal inputs.
 */
export function regressionMetrics(yTrue: readonly number[], yPred: readonly number[]): RegressionMetrics {
  const n = yTrue.length;
  if (n === 0 || yPred.length !== n)
    throw new RangeError(`need equally many true and predicted values, got ${n} and ${yPred.length}`);
  let mean = 0;
  for (const t of yTrue) mean += t;
  mean /= n;
  let absSum = 0;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i] ?? NaN;
    const e = t - (yPred[i] ?? NaN);
    absSum += Math.abs(e);
    ssRes += e * e;
    ssTot += (t - mean) * (t - mean);
  }
  const r2 = ssTot === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / ssTot;
  return { mae: absSum / n, rmse: Math.sqrt(ssRes / n), r2 };
}
