/**
 * Streaming quality of a regression model: MAE, RMSE, bias, R² and |error| percentiles over every record and
 * over a sliding window of the last N, in O(1) amortised time per record and bounded memory. Pure.
 */
import { CompensatedSums } from './compensatedSums.js';
import { QuantileSketch, type QuantileSketchOptions } from './quantileSketch.js';
import {
  checkWindowSize,
  DEFAULT_WINDOW_SIZE,
  errorOf,
  figuresFrom,
  NO_FIGURES,
  quantileRank,
  type QualityFigures,
  type QualitySnapshot,
  type ScopeSums,
} from './quality.js';

export interface QualityStatsOptions {
  /**
   * Records in the sliding window, N: a positive integer. Memory is 24·N bytes, and a record costs O(N) in the
   * worst case (a memmove in the sorted window), so keep N ≤ ~100,000.
   * @default DEFAULT_WINDOW_SIZE
   */
  readonly windowSize?: number;
  /** Accuracy and memory of the all-time percentiles' sketch. */
  readonly sketch?: QuantileSketchOptions;
}

/** Slots of a record's terms. */
const ABS = 0;
const SQUARED = 1;
const ERROR = 2;
const SHIFTED = 3;
const SHIFTED_SQUARED = 4;
const TERMS = 5;

/** A scope's sums as `figuresFrom` takes them. */
const scopeSums = (sums: CompensatedSums, n: number, sst: number, constantTarget: boolean): ScopeSums => ({
  n,
  sumAbsError: sums.value(ABS),
  sumSquaredError: sums.value(SQUARED),
  sumError: sums.value(ERROR),
  sst,
  constantTarget,
});

/** Relative error the window's figures may carry before a snapshot rebuilds its sums: 2^−40, about 1e-12. */
const TOLERANCE = 2 ** -40;

/**
 * Fewest records between two scheduled rebuilds of the window's sums (see `rebuildWindowSums`): a small window
 * is rebuilt every this many records rather than every N, as a rebuild per 1,000 records was a fifth of what the
 * figures cost per record. Compensated sums carry ~8,192·u² of their terms' magnitudes after as many updates: far
 * below TOLERANCE, which a snapshot still checks.
 */
const MIN_REBUILD_EVERY = 8_192;
/** The window's `Σ(y_true − mean)²`, as `Σd² − (Σd)²/n` with `d = y_true − shift`. */
const windowSst = (sums: CompensatedSums, n: number): number => {
  const shifted = sums.value(SHIFTED);
  return sums.value(SHIFTED_SQUARED) - (shifted * shifted) / n;
};

/** Writes a record's terms: |e|, e², e, y_true − shift and its square. */
function setTerms(terms: Float64Array, yTrue: number, e: number, shift: number): void {
  const d = yTrue - shift;
  terms[ABS] = Math.abs(e);
  terms[SQUARED] = e * e;
  terms[ERROR] = e;
  terms[SHIFTED] = d;
  terms[SHIFTED_SQUARED] = d * d;
}

/**
 * The quality of a stream of `(y_true, y_pred)` pairs, over all records and over the last N (see
 * `QualityFigures` for the definitions and the `null` cases).
 *
 * - All records: sums are compensated (`CompensatedSums`) and the target's SST is updated by Welford's method, so
 *   after millions of records the figures match a two-pass batch computation far within 1e-9 (R² to 4e-15 after
 *   1,000,000 diabetes-scale records). The percentiles come from a `QuantileSketch`, within its relative accuracy
 *   (1 % by default); `max` is exact.
 * - The window: every figure is exact over the last N records (not decayed), to about 1e-12 relative for the
 *   sums' figures. Its sums add the new record and subtract the evicted one, and are rebuilt from the ring when
 *   needed (see `rebuildWindowSums`); its percentiles are exact, from a sorted copy of its |errors| made when a
 *   snapshot asks for them (a sort once a second costs far less than keeping 1,000 values sorted per record).
 *
 * `add` allocates nothing (typed arrays, a preallocated ring). A snapshot allocates, and rebuilds the window's
 * sums (O(N)) in the rare case their error estimate exceeds 1e-12 of a figure; take snapshots to render or log.
 *
 * @example
 * ```ts
 * const quality = new QualityStats({ windowSize: 2 });
 * quality.add(100, 110);
 * quality.add(200, 190);
 * quality.add(300, 330);
 * const s = quality.snapshot();
 * s.all.mae; // 16.67: (10 + 10 + 30) / 3
 * s.window.mae; // 20: the last two records
 * s.window.p50; // 10, rank ⌊0.5·(2−1)⌋ = 0 of [10, 30]
 * ```
 */
export class QualityStats {
  /** N, the window's capacity. */
  readonly windowSize: number;

  private n = 0;
  /** A record's terms, by slot (see `ABS` …): filled in place, so `add` allocates nothing. */
  private readonly terms = new Float64Array(TERMS);
  /** Sums of the first three terms (|e|, e², e) over all records. */
  private readonly allSums = new CompensatedSums(3);
  /** Welford: the mean of y_true and Σ(y_true − mean)², stable whatever the target's level. */
  private targetMean = 0;
  private targetM2 = 0;
  private maxAbs = 0;
  private readonly sketch: QuantileSketch;
  /**
   * How many of the latest records share the latest y_true. A scope is a constant target (R² undefined) exactly
   * when this run covers it: an O(1) test that does not depend on how an SST near 0 rounded.
   */
  private run = 0;
  private lastTarget = NaN;

  /** The window's records, oldest at `head` once full. */
  private readonly ringTarget: Float64Array;
  private readonly ringError: Float64Array;
  private head = 0;
  /** The window's |errors|, sorted when a snapshot needs percentiles and the window changed since. */
  private readonly sortedAbs: Float64Array;
  private sortedAt = -1;
  /** Sums of every term over the window; SHIFTED terms are `y_true − shift`, see `rebuildWindowSums`. */
  private readonly windowSums = new CompensatedSums(TERMS);
  private readonly evictedTerms = new Float64Array(TERMS);
  private shift = 0;
  private sinceRebuild = 0;
  /** Records between scheduled rebuilds: N, or MIN_REBUILD_EVERY if more. */
  private readonly rebuildEvery: number;

  /** Throws a `RangeError` for a window size that is not a positive integer, or invalid sketch options. */
  constructor(options: QualityStatsOptions = {}) {
    const size = options.windowSize ?? DEFAULT_WINDOW_SIZE;
    checkWindowSize(size);
    this.windowSize = size;
    this.rebuildEvery = Math.max(size, MIN_REBUILD_EVERY);
    this.sketch = new QuantileSketch(options.sketch);
    this.ringTarget = new Float64Array(size);
    this.ringError = new Float64Array(size);
    this.sortedAbs = new Float64Array(size);
  }

  /** Records added so far. */
  get count(): number {
    return this.n;
  }

  /**
   * Adds one record. Callers pass finite numbers only: `NaN`, `±Infinity` (or magnitudes whose squares overflow)
   * throw a `RangeError` and add nothing (see `errorOf`).
   */
  add(yTrue: number, yPred: number): void {
    const e = errorOf(yTrue, yPred);
    const abs = Math.abs(e);
    const n = ++this.n;
    if (n === 1) this.shift = yTrue;
    const terms = this.terms;
    setTerms(terms, yTrue, e, this.shift);

    this.allSums.add(terms);
    const delta = yTrue - this.targetMean;
    this.targetMean += delta / n;
    this.targetM2 += delta * (yTrue - this.targetMean);
    if (abs > this.maxAbs) this.maxAbs = abs;
    this.sketch.add(abs);
    this.run = yTrue === this.lastTarget ? this.run + 1 : 1;
    this.lastTarget = yTrue;

    const at = this.head;
    if (n > this.windowSize) {
      const evicted = this.evictedTerms;
      setTerms(evicted, this.ringTarget[at]!, this.ringError[at]!, this.shift);
      this.windowSums.subtract(evicted);
    }
    this.windowSums.add(terms);
    this.ringTarget[at] = yTrue;
    this.ringError[at] = e;
    this.head = at + 1 === this.windowSize ? 0 : at + 1;

    if (++this.sinceRebuild === this.rebuildEvery) this.rebuildWindowSums();
  }

  /**
   * The figures now, as plain JSON-ready data (`null` where a figure has no value; see `QualityFigures`).
   * `orderStatistics: false` leaves p50/p95/p99 and the window's max `null` and skips their cost (sorting or
   * scanning the window, scanning the sketch; the all-time max is kept, it costs nothing): for frequent checks of
   * rules that do not use them.
   */
  snapshot(options: { readonly orderStatistics?: boolean } = {}): QualitySnapshot {
    const n = this.n;
    const sums = this.allSums;
    const percentiles = options.orderStatistics ?? true;
    const all = figuresFrom(
      scopeSums(sums, n, this.targetM2, this.run >= n),
      percentiles ? (q) => this.sketch.quantile(q) : undefined,
      this.maxAbs,
    );
    return { n, all, window: { size: this.windowSize, ...this.windowFigures(percentiles) } };
  }

  /** The window's |errors| in ascending order (the first `n`), sorted again only if records came since. */
  private sortedWindow(n: number): Float64Array {
    const sorted = this.sortedAbs.subarray(0, n);
    if (this.sortedAt !== this.n) {
      for (let i = 0; i < n; i++) sorted[i] = Math.abs(this.ringError[i]!);
      sorted.sort();
      this.sortedAt = this.n;
    }
    return sorted;
  }

  private windowFigures(percentiles: boolean): QualityFigures & { n: number } {
    const n = Math.min(this.n, this.windowSize);
    if (n === 0) return { n, ...NO_FIGURES };
    const constantTarget = this.run >= n;
    if (!this.windowSumsPrecise(n, constantTarget)) this.rebuildWindowSums();
    const sums = this.windowSums;
    const sorted = percentiles ? this.sortedWindow(n) : undefined;
    const figures = figuresFrom(
      scopeSums(sums, n, windowSst(sums, n), constantTarget),
      sorted && ((q) => sorted[quantileRank(q, n)]!),
      sorted ? sorted[n - 1]! : null,
    );
    return { n, ...figures };
  }

  /**
   * Whether the window's sums are within `TOLERANCE` of the figures they make, by their error estimates. They may
   * not be after a burst of huge values has left the window (compensated sums keep ~u²·Σ|terms| of it), or when
   * the target's level has moved far from the shift (SST's rounding is ~u·(mean − shift)²/variance of SST). A
   * snapshot then rebuilds them: O(N), only then.
   */
  private windowSumsPrecise(n: number, constantTarget: boolean): boolean {
    const sums = this.windowSums;
    const absScale = TOLERANCE * sums.value(ABS);
    if (sums.errorEstimate(ABS) > absScale || sums.errorEstimate(ERROR) > absScale) return false;
    if (sums.errorEstimate(SQUARED) > TOLERANCE * sums.value(SQUARED)) return false;
    if (constantTarget) return true; // no R², whatever SST is
    const meanShifted = sums.value(SHIFTED) / n;
    const sstError =
      sums.errorEstimate(SHIFTED_SQUARED) + 2 * Math.abs(meanShifted) * sums.errorEstimate(SHIFTED);
    return sstError <= TOLERANCE * windowSst(sums, n);
  }

  /**
   * Recomputes the window's sums from the ring: every `rebuildEvery` records (N, at least MIN_REBUILD_EVERY; O(N),
   * so O(1) amortised), and in a snapshot whose sums fail `windowSumsPrecise`. Why on a schedule, although the sums
   * are compensated:
   * - at most `rebuildEvery` additions and as many subtractions ever separate the sums from an exact
   *   recomputation, so a long add/subtract chain cannot drift, and the error estimates stay small enough to
   *   seldom call for a rebuild;
   * - the shift follows the window's mean: a target whose level drifts would otherwise leave the shift ever
   *   farther from the data, and SST's cancellation ever worse.
   */
  private rebuildWindowSums(): void {
    this.sinceRebuild = 0;
    const n = Math.min(this.n, this.windowSize);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.ringTarget[i]!;
    this.shift = sum / n; // needs only to be near the mean, not exact
    this.windowSums.reset();
    const terms = this.evictedTerms;
    for (let i = 0; i < n; i++) {
      setTerms(terms, this.ringTarget[i]!, this.ringError[i]!, this.shift);
      this.windowSums.add(terms);
    }
  }
}
