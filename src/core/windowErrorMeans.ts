/**
 * The mean |error| and the mean error (bias) of the last N records: all the error-over-time chart draws. Pure.
 *
 * `QualityStats` gives these too, with every other figure: compensated sums, the target's variance, a percentile
 * sketch. The plot service's chart folds in every row of the log, beside the pipeline's own services on the same
 * two cores, so it keeps only what it draws: a ring of errors and two running sums, recomputed from the ring every
 * N records so that rounding cannot build up (the means agree with `QualityStats`' to about 1e-12 relative).
 */
import { checkWindowSize, errorOf } from './quality.js';

export class WindowErrorMeans {
  readonly #errors: Float64Array;
  #head = 0;
  #n = 0;
  #sumAbs = 0;
  #sum = 0;
  #sinceRebuild = 0;

  /** Throws a `RangeError` unless `size` is a positive integer. */
  constructor(readonly size: number) {
    checkWindowSize(size);
    this.#errors = new Float64Array(size);
  }

  /** Records added so far (all of them, not only those in the window). */
  get count(): number {
    return this.#n;
  }

  /** Adds one record; throws a `RangeError` (adding nothing) where `errorOf` does. */
  add(yTrue: number, yPred: number): void {
    const e = errorOf(yTrue, yPred);
    const at = this.#head;
    if (this.#n >= this.size) {
      const old = this.#errors[at]!;
      this.#sumAbs -= Math.abs(old);
      this.#sum -= old;
    }
    this.#errors[at] = e;
    this.#sumAbs += Math.abs(e);
    this.#sum += e;
    this.#head = at + 1 === this.size ? 0 : at + 1;
    this.#n++;
    if (++this.#sinceRebuild === this.size) this.#rebuild();
  }

  /** Mean |error| over the window; NaN before the first record. */
  get mae(): number {
    return this.#sumAbs / Math.min(this.#n, this.size);
  }

  /** Mean `y_pred − y_true` over the window; NaN before the first record. */
  get bias(): number {
    return this.#sum / Math.min(this.#n, this.size);
  }

  #rebuild(): void {
    this.#sinceRebuild = 0;
    let sumAbs = 0;
    let sum = 0;
    const n = Math.min(this.#n, this.size);
    for (let i = 0; i < n; i++) {
      const e = this.#errors[i]!;
      sumAbs += Math.abs(e);
      sum += e;
    }
    this.#sumAbs = sumAbs;
    this.#sum = sum;
  }
}
