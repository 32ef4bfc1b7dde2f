/**
 * Neumaier's compensated summation over a fixed set of running sums, for hot paths. Pure.
 */
import { checkPositiveInteger } from './positiveInteger.js';

/**
 * `k` running sums that each carry the rounding error of every addition separately, so that millions of terms of
 * different sizes and signs sum to about one rounding of the exact result instead of drifting by one rounding
 * per term. Subtracting a term added earlier is exact in the same sense, so a sliding window can add the new
 * record's terms and remove the evicted one's without the drift of a long add/subtract chain.
 *
 * The terms come in a `Float64Array` (term `i` goes to sum `i`) rather than as arguments: a hot loop that fills a
 * preallocated array and makes one call allocates nothing, where a call per number can box each number on the
 * heap once the JIT stops inlining.
 *
 * @example
 * ```ts
 * const sums = new CompensatedSums(2);
 * const terms = new Float64Array(2);
 * for (const x of [1e16, 1, -1e16]) {
 *   terms[0] = x;
 *   terms[1] = x * x;
 *   sums.add(terms);
 * }
 * sums.value(0); // 1 (a plain `+=` gives 0)
 * ```
 */
export class CompensatedSums {
  readonly size: number;
  /**
   * Slot `i` is `state[3i]`, the running sum, `state[3i + 1]`, its compensation, and `state[3i + 2]`, the sum of
   * the terms' magnitudes (for `errorBound`).
   */
  private readonly state: Float64Array;
  private terms = 0;

  /** Throws a `RangeError` unless `size` is a positive integer. */
  constructor(size: number) {
    checkPositiveInteger('size', size);
    this.size = size;
    this.state = new Float64Array(3 * size);
  }

  /** Adds `terms[i]` to sum `i`, for each of the first `size` terms. */
  add(terms: Float64Array): void {
    this.accumulate(terms, 1);
  }

  /** Subtracts `terms[i]` from sum `i`: removes terms added earlier. */
  subtract(terms: Float64Array): void {
    this.accumulate(terms, -1);
  }

  /** Sum `i`: every term added minus every term subtracted since construction or the last `reset()`. */
  value(i: number): number {
    return this.state[3 * i]! + this.state[3 * i + 1]!;
  }

  /**
   * An estimate of `|value(i) − exact sum|`, of the form of Neumaier's bound: `u·|sum| + c·k·u²·Σ|term|` over the
   * `k` terms since the last reset, with `u = 2^−53` and `c` taken as 2. The second part matters only after
   * cancellation: when terms much larger than the sum have come and gone (a sliding window after a burst), it
   * tells the caller to `reset()` and re-add what is left.
   */
  errorEstimate(i: number): number {
    return (
      UNIT_ROUNDOFF * Math.abs(this.value(i)) + 2 * this.terms * UNIT_ROUNDOFF ** 2 * this.state[3 * i + 2]!
    );
  }

  /** Sets every sum back to 0. */
  reset(): void {
    this.state.fill(0);
    this.terms = 0;
  }

  private accumulate(terms: Float64Array, sign: 1 | -1): void {
    const s = this.state;
    this.terms++;
    for (let i = 0; i < this.size; i++) {
      const sum = s[3 * i]!;
      const x = sign * terms[i]!;
      const t = sum + x;
      // The low-order bits lost by `sum + x`, by Knuth's TwoSum: exact whichever operand is larger, without the
      // comparison of magnitudes Neumaier's form branches on (a signed sum near 0 makes that branch a coin toss).
      const z = t - sum;
      s[3 * i + 1] = s[3 * i + 1]! + (sum - (t - z) + (x - z));
      s[3 * i] = t;
      s[3 * i + 2] = s[3 * i + 2]! + Math.abs(x);
    }
  }
}

const UNIT_ROUNDOFF = 2 ** -53;
