/**
 * The keys a join has seen lately, asked once per record ("joined already?") and nearly always answered "no".
 *
 * Two generations of Sets: the older is dropped whole when the newer fills, so no key is ever deleted one by one,
 * which keeps V8's hash sets free of tombstones (a ring of single deletions showed as the top entry of the
 * pipeline's profile). In front of each Set, a Bloom filter (two bits per key in 2^20, 128 KiB, which stays in
 * cache): a key whose bits are not all set was never added, and that "no" costs a string hash and two bit tests
 * instead of a probe into a Set of 100,000 strings scattered over the heap (the largest entry of the one-process
 * pipeline's profile, about 11%). A filter can only say "maybe", never a wrong "no": the Set decides.
 */
const FILTER_BITS = 1 << 20;
const MASK = FILTER_BITS - 1;

/** FNV-1a over UTF-16 code units: cheap, and spreads ids that differ only in their last digits. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A key's second bit, from the same hash: good enough at the fill these filters see (< 20% of bits set). */
const secondBit = (h: number): number => ((h >>> 12) ^ (h << 7)) & MASK;

class Generation {
  readonly keys = new Set<string>();
  readonly filter = new Int32Array(FILTER_BITS >>> 5);

  mayHave(h: number): boolean {
    return this.bit(h & MASK) && this.bit(secondBit(h));
  }

  add(key: string, h: number): void {
    this.keys.add(key);
    this.set(h & MASK);
    this.set(secondBit(h));
  }

  private bit(i: number): boolean {
    return ((this.filter[i >>> 5] ?? 0) & (1 << (i & 31))) !== 0;
  }

  private set(i: number): void {
    this.filter[i >>> 5] = (this.filter[i >>> 5] ?? 0) | (1 << (i & 31));
  }
}

/** Remembers at least the last `capacity` keys added and at most twice as many. */
export class RecentKeys {
  private current = new Generation();
  private previous: Generation | undefined;

  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    const h = hashKey(key);
    return (
      (this.current.mayHave(h) && this.current.keys.has(key)) ||
      (this.previous !== undefined && this.previous.mayHave(h) && this.previous.keys.has(key))
    );
  }

  /** Adds a key; adding one already known is harmless (the caller has just asked `has`). */
  add(key: string): void {
    if (this.capacity === 0) return;
    if (this.current.keys.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Generation();
    }
    this.current.add(key, hashKey(key));
  }

  clear(): void {
    this.current = new Generation();
    this.previous = undefined;
  }
}
