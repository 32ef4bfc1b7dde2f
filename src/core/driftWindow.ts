/**
 * Data drift over a sliding window: how far the last `size` feature vectors (and their predictions) have moved
 * from the training data, as a population stability index per column against the reference profile. Pure.
 *
 * PSI = Σ (aᵢ − eᵢ)·ln(aᵢ / eᵢ) over a column's reference bins, `aᵢ` the window's share in bin `i` and `eᵢ` the
 * reference's. The usual reading: below 0.1 stable, 0.1–0.2 a moderate shift, above 0.2 a significant one.
 *
 * Two constants set how it behaves:
 * - `PSI_EPSILON` = 1e-4 floors both shares of an empty bin (ln 0 is −∞). It is a tenth of one vector's share in a
 *   full default window (1/1000), so it changes nothing but truly empty bins. It sets what an empty bin costs: a
 *   reference decile (e = 0.1) with nothing in the window adds (1e-4 − 0.1)·ln(1e-4/0.1) ≈ 0.69 on its own, so
 *   one emptied decile always crosses 0.2; a bigger ε would make that cheaper.
 * - `DEFAULT_MIN_DRIFT_COUNT` = 500: PSI is `null` until the window holds that many vectors. On data drawn from
 *   the reference, PSI·n is about χ² with (bins − 1) degrees of freedom, so its mean is ≈ 9/n for deciles: 0.009 at
 *   1,000, 0.018 at 500, 0.09 at 100, where chance alone crosses 0.2 now and then (with a minimum of 100, one of
 *   three runs of the simulation below reached 0.22 while warming up).
 * Measured with these defaults (test/core/driftWindow.test.ts): 100,000 vectors drawn at random from the diabetes
 * rows kept every column's PSI at or below 0.036 in every window, warm-up included; a window whose bmi is shifted
 * by +0.05 (about one standard deviation) gives psi.bmi ≈ 2.0 and psi.prediction 0.25–0.35, and psi.bmi crosses
 * 0.2 once about 450 shifted vectors have entered a full window (PSI grows about as the square of that share).
 */
import { PREDICTION_COLUMN, type ReferenceProfile } from './referenceProfile.js';
import { checkPositiveInteger } from './positiveInteger.js';

/** Vectors in a window when no size is given. */
export const DEFAULT_DRIFT_WINDOW = 1000;
/** Vectors a window must hold before it reports a PSI (see the module documentation). */
export const DEFAULT_MIN_DRIFT_COUNT = 500;
/** Floor on both shares of a bin (see the module documentation). */
export const PSI_EPSILON = 1e-4;

export interface DriftWindowOptions {
  /** Vectors in the window. @default DEFAULT_DRIFT_WINDOW */
  readonly size?: number;
  /** Vectors needed before PSI is reported; at most `size`. @default min(DEFAULT_MIN_DRIFT_COUNT, size) */
  readonly minCount?: number;
  /** Floor on empty bins' shares. @default PSI_EPSILON */
  readonly epsilon?: number;
}

/**
 * The population stability index of `actual` against `expected` shares (equally many, each summing to 1), both
 * floored at `epsilon`.
 *
 * @example
 * ```ts
 * populationStabilityIndex([0.5, 0.5], [0.5, 0.5]); // 0
 * populationStabilityIndex([0.7, 0.3], [0.5, 0.5]); // 0.2·ln 1.4 − 0.2·ln 0.6 ≈ 0.1695
 * ```
 */
export function populationStabilityIndex(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  epsilon: number = PSI_EPSILON,
): number {
  if (actual.length !== expected.length)
    throw new RangeError(`need equally many shares, got ${actual.length} and ${expected.length}`);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = Math.max(actual[i] ?? 0, epsilon);
    const e = Math.max(expected[i] ?? 0, epsilon);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

/**
 * The last `size` feature vectors with their predictions, counted per reference bin, and their PSI per column.
 * `add` is O(columns · log bins) and allocates nothing: each column keeps a ring of bin indices (one byte per
 * vector) and a count per bin, and the vector leaving the window is uncounted as the new one is counted.
 *
 * @example
 * ```ts
 * const drift = new DriftWindow(reference, model.features);
 * drift.add(x, model.predict(x)); // per vector
 * drift.psi(); // { age: 0.012, …, s6: 0.008, prediction: 0.011 }, or null per column before 500 vectors
 * ```
 */
export class DriftWindow {
  readonly size: number;
  readonly minCount: number;
  readonly epsilon: number;
  /** The model's features in vector order, then `prediction`. */
  readonly columns: readonly string[];
  /** Every column's edges end to end, column `c`'s from `#edgeStarts[c]` to `#edgeStarts[c + 1]`. */
  readonly #flatEdges: Float64Array;
  readonly #edgeStarts: Int32Array;
  readonly #expected: Float64Array[];
  /** Start of each column's bins in `#counts`. */
  readonly #offsets: Int32Array;
  readonly #counts: Uint32Array;
  /** Slot `s` of column `c` at `s · columns + c`. */
  readonly #ring: Uint8Array;
  #next = 0;
  #count = 0;

  /**
   * @param featureNames the order of the feature vectors given to `add` (the model's features); the profile must
   *   hold exactly these.
   * @throws RangeError on a feature missing from the profile or not in it, or on bad options.
   */
  constructor(
    reference: ReferenceProfile,
    featureNames: readonly string[],
    options: DriftWindowOptions = {},
  ) {
    const size = options.size ?? DEFAULT_DRIFT_WINDOW;
    checkPositiveInteger('size', size);
    const minCount = options.minCount ?? Math.min(DEFAULT_MIN_DRIFT_COUNT, size);
    if (!Number.isSafeInteger(minCount) || minCount < 1 || minCount > size)
      throw new RangeError(`minCount must be an integer from 1 to size (${size}), got ${minCount}`);
    const epsilon = options.epsilon ?? PSI_EPSILON;
    if (!(epsilon > 0 && epsilon < 1)) throw new RangeError(`epsilon must be in (0, 1), got ${epsilon}`);
    const profiled = Object.keys(reference.features);
    const extra = profiled.filter((name) => !featureNames.includes(name));
    if (extra.length > 0)
      throw new RangeError(`the reference profiles features the model does not have: ${extra.join(', ')}`);
    const bins = featureNames.map((name) => {
      if (!Object.hasOwn(reference.features, name))
        throw new RangeError(`the reference has no profile of feature ${JSON.stringify(name)}`);
      return reference.features[name]!;
    });
    bins.push(reference.prediction);

    this.size = size;
    this.minCount = minCount;
    this.epsilon = epsilon;
    this.columns = Object.freeze([...featureNames, PREDICTION_COLUMN]);
    this.#flatEdges = Float64Array.from(bins.flatMap((b) => b.edges));
    this.#edgeStarts = new Int32Array(bins.length + 1);
    bins.forEach((b, c) => (this.#edgeStarts[c + 1] = this.#edgeStarts[c]! + b.edges.length));
    this.#expected = bins.map((b) => Float64Array.from(b.fractions));
    this.#offsets = new Int32Array(bins.length);
    let total = 0;
    bins.forEach((b, c) => {
      this.#offsets[c] = total;
      total += b.fractions.length;
    });
    this.#counts = new Uint32Array(total);
    this.#ring = new Uint8Array(size * bins.length);
  }

  /** Vectors in the window now (at most `size`). */
  get count(): number {
    return this.#count;
  }

  /**
   * Adds one feature vector, in `featureNames` order, and the model's prediction for it; once the window is full,
   * the oldest vector leaves it. Throws a `RangeError`, adding nothing, on a wrong length or a non-finite value.
   */
  add(x: readonly number[], prediction: number): void {
    const k = this.columns.length - 1;
    if (x.length !== k) throw new RangeError(`expected ${k} features, got ${x.length}`);
    for (let c = 0; c < k; c++)
      if (!Number.isFinite(x[c])) throw new RangeError(`feature ${this.columns[c]} is ${x[c]}, not finite`);
    if (!Number.isFinite(prediction)) throw new RangeError(`prediction is ${prediction}, not finite`);

    // Locals and one flat array of edges: this runs for every vector the model predicts.
    const base = this.#next * (k + 1);
    const full = this.#count === this.size;
    const ring = this.#ring;
    const counts = this.#counts;
    const offsets = this.#offsets;
    const edges = this.#flatEdges;
    const starts = this.#edgeStarts;
    for (let c = 0; c <= k; c++) {
      const offset = offsets[c]!;
      if (full) counts[offset + ring[base + c]!]!--;
      const v = c < k ? x[c]! : prediction;
      // binIndex over this column's edges, as a count of the edges at or below v: with at most nine edges a scan
      // without branches (165 ns a vector) beats a binary search, whose data-dependent branches mispredict about
      // half the time (345 ns). `+(a <= b)` compiles to a flag move; `a <= b ? 1 : 0` would be a branch again.
      let bin = 0;
      for (let i = starts[c]!, end = starts[c + 1]!; i < end; i++) bin += +(edges[i]! <= v);
      ring[base + c] = bin;
      counts[offset + bin]!++;
    }
    this.#next = this.#next + 1 === this.size ? 0 : this.#next + 1;
    if (!full) this.#count++;
  }

  /**
   * PSI per column name (the features, then `prediction`) over the window, or `null` per column while the window
   * holds fewer than `minCount` vectors.
   */
  psi(): Readonly<Record<string, number | null>> {
    return Object.fromEntries(this.columns.map((name, c) => [name, this.psiOf(c)]));
  }

  /** PSI of column `c` (an index into `columns`), or `null` below `minCount`. Allocation-free. */
  psiOf(c: number): number | null {
    const expected = this.#expected[c];
    if (expected === undefined) throw new RangeError(`no column ${c}; there are ${this.columns.length}`);
    const n = this.#count;
    if (n < this.minCount) return null;
    const offset = this.#offsets[c]!;
    const eps = this.epsilon;
    // populationStabilityIndex's loop over counts / n, without the array of shares it would need.
    let sum = 0;
    for (let i = 0; i < expected.length; i++) {
      const a = Math.max(this.#counts[offset + i]! / n, eps);
      const e = Math.max(expected[i]!, eps);
      sum += (a - e) * Math.log(a / e);
    }
    return sum;
  }

  /** The window's count per reference bin of a column, by name. */
  binCounts(name: string): number[] {
    const c = this.columns.indexOf(name);
    if (c === -1)
      throw new RangeError(`no column ${JSON.stringify(name)}; the columns are ${this.columns.join(', ')}`);
    const offset = this.#offsets[c]!;
    return Array.from(this.#counts.subarray(offset, offset + this.#expected[c]!.length));
  }

  /** Empties the window (after a model change, say); the reference stays. */
  reset(): void {
    this.#counts.fill(0);
    this.#next = 0;
    this.#count = 0;
  }
}
