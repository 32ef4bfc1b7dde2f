/** The one check of sizes and capacities given to the pure data structures. Pure. */

/** Throws a `RangeError` naming `what` unless `value` is a positive (safe) integer. */
export function checkPositiveInteger(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`${what} must be a positive integer, got ${value}`);
}
