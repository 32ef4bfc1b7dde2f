/**
 * A fixed-size ring buffer: pushing into a full ring overwrites the oldest item. Memory is allocated once, so
 * the dashboard's windows stay the same size however many records go through them. Pure.
 */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private size = 0;

  /** Throws a `RangeError` unless `capacity` is a positive integer. */
  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Appends `item`; returns the item it overwrote, if the ring was full. */
  push(item: T): T | undefined {
    if (this.size < this.capacity) {
      this.items[(this.start + this.size) % this.capacity] = item;
      this.size++;
      return undefined;
    }
    const evicted = this.items[this.start];
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
    return evicted;
  }

  /** The item `i` places from the oldest (0 = oldest). */
  at(i: number): T | undefined {
    return i >= 0 && i < this.size ? this.items[(this.start + i) % this.capacity] : undefined;
  }

  /** Every item, oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.items[(this.start + i) % this.capacity] as T);
    return out;
  }

  /** The newest `n` items, newest first. */
  newest(n: number): T[] {
    const out: T[] = [];
    for (let i = this.size - 1; i >= 0 && out.length < n; i--)
      out.push(this.items[(this.start + i) % this.capacity] as T);
    return out;
  }

  /** Forgets every item (and lets them be collected). */
  clear(): void {
    this.items.fill(undefined);
    this.start = 0;
    this.size = 0;
  }
}
