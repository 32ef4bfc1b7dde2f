/**
 * The word someone probably meant when they mistyped one: a command or an option name. Pure.
 */

/**
 * Edits (insert, delete, substitute, or swap two neighbours) that turn `a` into `b`: the optimal string
 * alignment distance. A swap counts as one edit because `modle` for `model` is one slip of the fingers.
 */
export function editDistance(a: string, b: string): number {
  // d[i][j]: edits between the first i characters of a and the first j of b; three rows are all a swap needs.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (before[j - 2] ?? 0) + 1);
      current.push(d);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate `word` most likely stands for, or `undefined` when none is close: within a third of the
 * candidate's length in edits (at least one, at most three), or the one candidate that `word` begins, at least
 * three characters of it. Ties go to the earlier candidate.
 *
 * @example
 * ```ts
 * closestWord('metrc', ['features', 'model', 'metric']); // 'metric'
 * closestWord('inter', ['interval', 'count']); // 'interval'
 * closestWord('xyz', ['features', 'model']); // undefined
 * ```
 */
export function closestWord(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate);
    const allowed = Math.min(3, Math.max(1, Math.floor(candidate.length / 3)));
    if (d <= allowed && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined || word.length < 3) return best;
  const starting = candidates.filter((c) => c.startsWith(word));
  return starting.length === 1 ? starting[0] : undefined;
}
