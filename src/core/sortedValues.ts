/**
 * A bounded multiset of numbers kept sorted in one typed array, for exact order statistics over a sliding
 * window. Pure.
 */
import { checkPositiveInteger } from './positiveInteger.js';

/**
 * Numbers kept in ascending order in a preallocated `Float64Array`, so that the value of any rank is one read.
 * Inserting or replacing finds positions by binary search and moves only the values between the old and the new
 * position (`copyWithin`, a memmove): O(log n) comparisons plus O(distance) moves, at worst O(n), with no
 * allocation. For a window of up to ~100,000 values that is cheaper in practice than a balanced tree, whose
 * every node is an allocation and a cache miss.
 *
 * Values must not be `NaN` (it has no place in the order); the caller validates them.
 *
 * @example
 * ```ts
 * const window = new SortedValues(3);
 * [5, 1, 3].forEach((x) => window.insert(x));
 * window.replace(1, 4); // the oldest value leaves, the newest comes in
 * window.at(0); // 3
 * window.at(window.size - 1); // 5
 * ```
 */
export class SortedValues {
  readonly capacity: number;
  private readonly values: Float64Array;
  private n = 0;

  /** Throws a `RangeError` unless `capacity` is a positive integer. */
  constructor(capacity: number) {
    checkPositiveInteger('capacity', capacity);
    this.capacity = capacity;
    this.values = new Float64Array(capacity);
  }

  /** How many values are held. */
  get size(): number {
    return this.n;
  }

  /** Adds `x`. Throws a `RangeError` when full: a sliding window must `replace` instead. */
  insert(x: number): void {
    if (this.n === this.capacity) throw new RangeError(`SortedValues is full (${this.capacity})`);
    const q = this.upperBound(x);
    this.values.copyWithin(q + 1, q, this.n);
    this.values[q] = x;
    this.n++;
  }

  /**
   * Removes one occurrence of `old` and adds `x`, moving only the values between their positions. Throws a
   * `RangeError` if `old` is not held (nothing changes then).
   */
  replace(old: number, x: number): void {
    const a = this.values;
    if (x >= old) {
      // Take the last copy of `old`, so that equal values between it and `x` need not move.
      const p = this.upperBound(old) - 1;
      if (p < 0 || a[p] !== old) throw new RangeError(`SortedValues does not hold ${old}`);
      const q = this.upperBound(x);
      a.copyWithin(p, p + 1, q);
      a[q - 1] = x;
    } else {
      const p = this.lowerBound(old);
      if (p >= this.n || a[p] !== old) throw new RangeError(`SortedValues does not hold ${old}`);
      const q = this.lowerBound(x);
      a.copyWithin(q + 1, q, p);
      a[q] = x;
    }
  }

  /** The value of 0-based `rank` in ascending order; `rank` must be an integer in `[0, size)`. */
  at(rank: number): number {
    if (!(rank >= 0 && rank < this.n && Number.isInteger(rank)))
      throw new RangeError(`rank must be an integer in [0, ${this.n}), got ${rank}`);
    return this.values[rank]!;
  }

  /** Forgets every value (the storage is kept). */
  clear(): void {
    this.n = 0;
  }

  /** First position whose value is `>= x`. */
  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.values[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First position whose value is `> x`. */
  private upperBound(x: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.values[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
