/**
 * A small seeded pseudo-random generator (sfc32), so `--seed` makes a features run repeatable. Not for secrets.
 */
export type Random = () => number;

/** Returns a generator of floats in [0, 1). The same seed gives the same sequence on every platform. */
export function seededRandom(seed: number): Random {
  // Spread the seed over the state with splitmix32 so that nearby seeds give unrelated sequences.
  let s = seed >>> 0;
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

/** A uniformly chosen integer in [0, n). */
export const randomIndex = (random: Random, n: number): number => Math.floor(random() * n);

/**
 * The row of record `sequence` in a run seeded with `seed`: a pure function of both, so that a restarted
 * features process re-sends an unconfirmed record with the same content as before, not just the same id.
 */
export function rowForSequence(seed: number, sequence: number, rows: number): number {
  // Two rounds of a 32-bit avalanche mix (murmur3's finaliser) over seed and sequence (up to 2^53).
  let h =
    (seed ^
      Math.imul(sequence >>> 0, 0x9e3779b1) ^
      Math.imul(Math.floor(sequence / 4294967296), 0x85ebca77)) >>>
    0;
  for (let round = 0; round < 2; round++) {
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return Math.floor((h / 4294967296) * rows);
}
