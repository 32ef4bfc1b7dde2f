/**
 * What the model-quality figures are: their JSON shape, the error's sign, the percentile rank and the cases with
 * no answer. The one home of these definitions, shared by the streaming `QualityStats` and the batch
 * `batchQuality`, so that the two cannot disagree on a definition. Pure.
 */
import { checkPositiveInteger } from './positiveInteger.js';

/** Records in the sliding window when no size is given. */
export const DEFAULT_WINDOW_SIZE = 1000;

/**
 * The quality of a regression model over a set of records ("the scope"), the error of a record being
 * `y_pred − y_true`. Every figure is `null`, not `NaN`, when it has no value, so that the snapshot is JSON as it
 * stands and "no data" cannot be read as a measurement:
 * - every figure is `null` when the scope is empty (no records: no error to average, not an error of 0);
 * - `r2` is also `null` when it is undefined, that is when `SST = Σ(y_true − mean y_true)² = 0`: a single record,
 *   or a constant target (detected exactly, from the values, not from a rounded SST). It is `null` too in the
 *   degenerate case where the target varies so little compared with its level that SST rounds to 0 or below.
 */
export interface QualityFigures {
  /** Mean absolute error, `Σ|e| / n`. */
  readonly mae: number | null;
  /** Root mean squared error, `√(Σe² / n)`. */
  readonly rmse: number | null;
  /** Mean signed error `Σ(y_pred − y_true) / n`: positive when the model over-predicts. */
  readonly bias: number | null;
  /** Coefficient of determination `1 − SSE/SST` (`SSE = Σe²`), in (−∞, 1]; `null` when SST = 0 (see above). */
  readonly r2: number | null;
  /** Median `|e|`: the value of rank `quantileRank(0.5, n)` in ascending order (see `quantileRank`). */
  readonly p50: number | null;
  /** 95th percentile of `|e|`, rank `quantileRank(0.95, n)`. */
  readonly p95: number | null;
  /** 99th percentile of `|e|`, rank `quantileRank(0.99, n)`. */
  readonly p99: number | null;
  /** Largest `|e|`, exact. */
  readonly max: number | null;
}

/** The figures over the last `size` records (or all of them, while fewer than `size` have been seen). */
export interface WindowQualityFigures extends QualityFigures {
  /** The window's capacity, N. */
  readonly size: number;
  /** Records in the window: `min(records seen, size)`. */
  readonly n: number;
}

/** A JSON-ready summary: `n` records in all, their figures, and those of the sliding window. */
export interface QualitySnapshot {
  readonly n: number;
  readonly all: QualityFigures;
  readonly window: WindowQualityFigures;
}

/** The figures of an empty scope. */
export const NO_FIGURES: QualityFigures = Object.freeze({
  mae: null,
  rmse: null,
  bias: null,
  r2: null,
  p50: null,
  p95: null,
  p99: null,
  max: null,
});

/**
 * The 0-based rank, in ascending order, of the `q`-quantile of `n` values: `⌊q·(n−1)⌋`, the nearest rank at or
 * below (no interpolation, so a percentile is always one of the values). The same definition as
 * `QuantileSketch`'s, so the exact window percentiles and the sketched all-time ones mean the same thing.
 *
 * @example
 * ```ts
 * quantileRank(0.5, 4); // 1: the median of [1, 2, 3, 4] is 2
 * quantileRank(0.99, 100); // 98
 * ```
 */
export const quantileRank = (q: number, n: number): number => Math.floor(q * (n - 1));

/**
 * The error `y_pred − y_true` of one record. Callers are meant to pass finite numbers only; anything else (`NaN`,
 * `±Infinity`, or magnitudes beyond ~1e154 whose squares overflow) throws a `RangeError`, because one such record
 * would turn every figure after it into `NaN` or `Infinity`.
 *
 * @example
 * ```ts
 * errorOf(151, 140.5); // -10.5: an under-prediction
 * ```
 */
export function errorOf(yTrue: number, yPred: number): number {
  const e = yPred - yTrue;
  // One check covers both inputs: a non-finite y_pred makes `e` non-finite, and so does a non-finite y_true.
  if (!Number.isFinite(e * e) || !Number.isFinite(yTrue * yTrue))
    throw new RangeError(`y_true and y_pred must be finite with finite squares, got ${yTrue} and ${yPred}`);
  return e;
}

/** Throws a `RangeError` unless `size` is a positive integer. */
export function checkWindowSize(size: number): void {
  checkPositiveInteger('window size', size);
}

/** The sums a scope's figures are made of; see `figuresFrom`. */
export interface ScopeSums {
  readonly n: number;
  readonly sumAbsError: number;
  readonly sumSquaredError: number;
  readonly sumError: number;
  /** `Σ(y_true − mean y_true)²`, however it was computed. */
  readonly sst: number;
  /** True when every y_true in scope is the same value (then R² is undefined whatever `sst` rounded to). */
  readonly constantTarget: boolean;
}

/**
 * Applies the definitions above to a scope's sums. `quantile(q)` answers the `|e|` of rank `quantileRank(q, n)`
 * (exactly or within a sketch's accuracy: the caller decides) and is called only when `n > 0`.
 *
 * @example
 * ```ts
 * const sums = { n: 2, sumAbsError: 3, sumSquaredError: 5, sumError: -1, sst: 8, constantTarget: false };
 * figuresFrom(sums, () => 1, 2); // { mae: 1.5, rmse: 1.58…, bias: -0.5, r2: 0.375, p50: 1, p95: 1, p99: 1, max: 2 }
 * ```
 */
export function figuresFrom(
  sums: ScopeSums,
  quantile: ((q: number) => number) | undefined,
  max: number | null,
): QualityFigures {
  const { n, sst } = sums;
  if (n === 0) return NO_FIGURES;
  return {
    mae: sums.sumAbsError / n,
    rmse: Math.sqrt(sums.sumSquaredError / n),
    bias: sums.sumError / n,
    r2: sums.constantTarget || !(sst > 0) ? null : 1 - sums.sumSquaredError / sst,
    // No quantile function: the percentiles were not asked for (see QualityStats.snapshot).
    p50: quantile ? quantile(0.5) : null,
    p95: quantile ? quantile(0.95) : null,
    p99: quantile ? quantile(0.99) : null,
    max,
  };
}
