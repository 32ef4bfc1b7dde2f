/**
 * The quality figures of a finished list of records, computed plainly in two passes: the reference the
 * streaming `QualityStats` is checked against, and a way to check a metric CSV's summary from its rows. Pure.
 */
import { CompensatedSums } from './compensatedSums.js';
import {
  checkWindowSize,
  DEFAULT_WINDOW_SIZE,
  errorOf,
  figuresFrom,
  NO_FIGURES,
  quantileRank,
  type QualityFigures,
  type QualitySnapshot,
} from './quality.js';

/**
 * The figures `QualityStats` reports after being fed `yTrue[i], yPred[i]` in index order, with window size
 * `windowSize`: all records, and the last `min(n, windowSize)`. Unlike the streaming version, the all-time
 * percentiles are exact too. O(n log n) time, O(n) memory.
 *
 * Throws a `RangeError` if the arrays differ in length, for a non-finite value (see `errorOf`) or a window size
 * that is not a positive integer.
 *
 * @example
 * ```ts
 * const s = batchQuality([100, 200, 300], [110, 190, 330], 2);
 * s.all.mae; // 16.67
 * s.all.r2; // 0.945: 1 − (100 + 100 + 900) / 20000
 * s.window; // { size: 2, n: 2, mae: 20, bias: 10, … }
 * ```
 */
export function batchQuality(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  windowSize: number = DEFAULT_WINDOW_SIZE,
): QualitySnapshot {
  if (yTrue.length !== yPred.length)
    throw new RangeError(`yTrue and yPred differ in length: ${yTrue.length} and ${yPred.length}`);
  checkWindowSize(windowSize);
  const n = yTrue.length;
  const errors = new Float64Array(n);
  for (let i = 0; i < n; i++) errors[i] = errorOf(yTrue[i]!, yPred[i]!);
  const start = Math.max(0, n - windowSize);
  return {
    n,
    all: scopeFigures(yTrue, errors, 0, n),
    window: { size: windowSize, n: n - start, ...scopeFigures(yTrue, errors, start, n) },
  };
}

/** The figures of records `[start, end)`. */
function scopeFigures(
  yTrue: ArrayLike<number>,
  errors: Float64Array,
  start: number,
  end: number,
): QualityFigures {
  const n = end - start;
  if (n === 0) return NO_FIGURES;
  const target = new CompensatedSums(1);
  const terms = new Float64Array(4);
  for (let i = start; i < end; i++) {
    terms[0] = yTrue[i]!;
    target.add(terms);
  }
  const mean = target.value(0) / n;

  // Sums of |e|, e², e and (y_true − mean)², in that order.
  const sums = new CompensatedSums(4);
  let constantTarget = true;
  for (let i = start; i < end; i++) {
    const e = errors[i]!;
    const d = yTrue[i]! - mean;
    terms[0] = Math.abs(e);
    terms[1] = e * e;
    terms[2] = e;
    terms[3] = d * d;
    sums.add(terms);
    if (yTrue[i] !== yTrue[start]) constantTarget = false;
  }

  const sorted = errors
    .slice(start, end)
    .map((e) => Math.abs(e))
    .sort(); // a typed array sorts numerically
  return figuresFrom(
    {
      n,
      sumAbsError: sums.value(0),
      sumSquaredError: sums.value(1),
      sumError: sums.value(2),
      sst: sums.value(3),
      constantTarget,
    },
    (q) => sorted[quantileRank(q, n)]!,
    sorted[n - 1]!,
  );
}
