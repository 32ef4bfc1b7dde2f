/**
 * Interleaves lists evenly, each list's order kept: the rows that several partition logs gained since the last
 * read, merged so that any stretch of the result holds about the same share of each list as the whole. Pure.
 */

/**
 * The items of `lists` in one array, spread evenly: item `i` of a list of `m` items goes to position `(i + 1) / m`
 * of the whole (ties: the earlier list first). Two lists of 2 and 4 items give `b0 a0 b1 b2 a1 b3`. O(total · k)
 * for k lists, compared exactly (integer cross-products), so the order does not depend on rounding.
 *
 * @example
 * ```ts
 * interleave([['a0', 'a1'], ['b0', 'b1', 'b2', 'b3']]); // ['b0', 'a0', 'b1', 'b2', 'a1', 'b3']
 * ```
 */
export function interleave<T>(lists: readonly (readonly T[])[]): T[] {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length <= 1) return [...(nonEmpty[0] ?? [])];
  const next = nonEmpty.map(() => 0);
  const total = nonEmpty.reduce((sum, l) => sum + l.length, 0);
  const out: T[] = new Array<T>(total);
  for (let k = 0; k < total; k++) {
    // The list whose next item has the smallest (next + 1) / length: compared as a cross-product.
    let best = -1;
    for (let j = 0; j < nonEmpty.length; j++) {
      const m = nonEmpty[j]!.length;
      if (next[j]! >= m) continue;
      if (best === -1 || (next[j]! + 1) * nonEmpty[best]!.length < (next[best]! + 1) * m) best = j;
    }
    out[k] = nonEmpty[best]![next[best]!++]!;
  }
  return out;
}
