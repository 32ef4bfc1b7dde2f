/**
 * The keyed join of the metric service: pairs each y_true delivery with the y_pred delivery of the same id.
 */
import { RecentKeys } from './recentKeys.js';
import { Observable, asyncScheduler, type Observer, type SchedulerLike, type Subscription } from 'rxjs';

export type Side = 'left' | 'right';

/**
 * What `combineById` emits. Every item that arrives on either input comes out in exactly one event: as one half
 * of a `joined` pair, as `unmatched` (it will never have a partner) or as a `duplicate` (its key was joined
 * already, or an item of the same side and key is still waiting). `pending` is the number of items still
 * waiting for their partner once this event has happened.
 */
export type JoinEvent<L, R> =
  | { kind: 'joined'; key: string; left: L; right: R; pending: number }
  | {
      kind: 'unmatched';
      key: string;
      side: Side;
      item: L | R;
      reason: 'ttl' | 'capacity' | 'completed';
      pending: number;
    }
  /** `waiting`: the first copy still waits for its partner (rather than being joined already). */
  | { kind: 'duplicate'; key: string; side: Side; item: L | R; waiting: boolean; pending: number };

export interface CombineByIdOptions {
  /**
   * Most items waiting for their partner, both sides together. Storing one more first evicts the oldest
   * waiting item as `unmatched` with reason `'capacity'`.
   * @default 100_000
   */
  readonly maxPending?: number;
  /**
   * An item waiting this long (milliseconds on `scheduler`) is evicted as `unmatched` with reason `'ttl'`,
   * at exactly its arrival time plus `ttlMs`. A partner arriving at that very instant is too late.
   * `Infinity` keeps items until capacity or completion evicts them.
   * @default 60_000
   */
  readonly ttlMs?: number;
  /**
   * How many joined keys are remembered, at least (and at most twice as many), to recognise redeliveries as
   * `duplicate`. Older keys are forgotten.
   * @default 100_000
   */
  readonly rememberJoined?: number;
  /**
   * Keys joined before this subscription (e.g. the ids already in the CSV after a restart): their items are
   * `duplicate`s. They count against `rememberJoined`; beyond it, the oldest are forgotten.
   * @default none
   */
  readonly alreadyJoined?: Iterable<string>;
  /**
   * Clock (`now()`) and timer of the TTL eviction.
   * @default asyncScheduler
   */
  readonly scheduler?: SchedulerLike;
  /**
   * Clock of arrival times, when reading `scheduler.now()` per item costs too much (see `burstClock`); it must
   * never run ahead of `scheduler.now()`.
   * @default () => scheduler.now()
   */
  readonly arrivalClock?: () => number;
}

const DEFAULT_MAX_PENDING = 100_000;
const DEFAULT_TTL_MS = 60_000;
const DEFAULT_REMEMBER_JOINED = 100_000;
/** Node turns a longer timer delay into 1 ms; a timer capped here just fires early and is set again. */
const MAX_TIMER_DELAY = 2_147_483_647;

/** One waiting item: a node of its side's arrival-ordered list, found by key through the pending Map. */
class Waiting<T> {
  prev: Waiting<T> | null = null;
  next: Waiting<T> | null = null;
  constructor(
    readonly key: string,
    readonly side: Side,
    readonly item: T,
    /** scheduler time of arrival */
    readonly at: number,
    /** arrival order across both sides, to find the oldest of the two lists' heads */
    readonly seq: number,
  ) {}
}

/**
 * Items of one side in arrival order. An intrusive list rather than the iteration order of a Map because V8
 * leaves deleted slots at the front of a Map until it rehashes, so reading a Map's first key after many
 * deletions costs O(size): about 50 µs per event at 100k waiting items.
 */
class ArrivalList<T> {
  head: Waiting<T> | null = null;
  private tail: Waiting<T> | null = null;

  push(w: Waiting<T>): void {
    w.prev = this.tail;
    if (this.tail === null) this.head = w;
    else this.tail.next = w;
    this.tail = w;
  }

  remove(w: Waiting<T>): void {
    if (w.prev === null) this.head = w.next;
    else w.prev.next = w.next;
    if (w.next === null) this.tail = w.prev;
    else w.next.prev = w.prev;
    w.prev = w.next = null;
  }

  clear(): void {
    this.head = this.tail = null;
  }
}

const check = (ok: boolean, message: string): void => {
  if (!ok) throw new RangeError(`combineById: ${message}`);
};

/**
 * Joins `left$` and `right$` by key: either side may come first, in any order, and each key is `joined` once.
 * Memory is bounded by `maxPending` and `ttlMs`, and nothing is dropped silently: every arriving item comes out
 * in exactly one event (see {@link JoinEvent}), so a caller holding broker deliveries can settle each of them.
 *
 * - A key already joined (or in `alreadyJoined`) arriving again, or a second item of the same side and key
 *   while the first still waits, is a `duplicate`; the first keeps waiting.
 * - When one input completes, the other side's waiting items, and its later items with no partner waiting,
 *   are `unmatched` with reason `'completed'`; the completed side's items keep waiting. The output completes
 *   when both inputs have, after emitting whatever still waits as `'completed'`.
 * - An error on either input is the output's error. Unsubscribing, an error or completion unsubscribes both
 *   inputs, cancels the TTL timer and drops all state (items still waiting are not emitted).
 * - O(1) per item; one scheduled action at a time serves all TTL evictions.
 *
 * ## Example
 * ```ts
 * const truth$ = of({ id: 'a', y: 1 }, { id: 'b', y: 2 });
 * const preds$ = of({ id: 'b', y: 2.5 }, { id: 'a', y: 0.5 });
 * combineById(truth$, preds$, { left: (t) => t.id, right: (p) => p.id }).subscribe((e) => {
 *   if (e.kind === 'joined') console.log(e.key, Math.abs(e.left.y - e.right.y)); // b 0.5, then a 0.5
 * });
 * ```
 *
 * @param left$ One input, e.g. y_true deliveries.
 * @param right$ The other input, e.g. y_pred deliveries.
 * @param keyOf The join key of an item of each side. If it throws, the output errors.
 * @param options Bounds and clock; see {@link CombineByIdOptions}.
 * @throws RangeError at call time if an option is out of range.
 */
export function combineById<L, R>(
  left$: Observable<L>,
  right$: Observable<R>,
  keyOf: { readonly left: (l: L) => string; readonly right: (r: R) => string },
  options: CombineByIdOptions = {},
): Observable<JoinEvent<L, R>> {
  const maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const rememberJoined = options.rememberJoined ?? DEFAULT_REMEMBER_JOINED;
  const scheduler = options.scheduler ?? asyncScheduler;
  const arrivalTime = options.arrivalClock ?? ((): number => scheduler.now());
  check(
    Number.isSafeInteger(maxPending) && maxPending >= 1,
    `maxPending must be an integer >= 1, got ${maxPending}`,
  );
  check(ttlMs >= 0, `ttlMs must be >= 0 or Infinity, got ${ttlMs}`);
  check(
    Number.isSafeInteger(rememberJoined) && rememberJoined >= 0,
    `rememberJoined must be an integer >= 0, got ${rememberJoined}`,
  );
  // Copied once: an iterable may be single-use, and every subscription needs it.
  const alreadyJoined = options.alreadyJoined === undefined ? [] : Array.from(options.alreadyJoined);

  return new Observable<JoinEvent<L, R>>((subscriber) => {
    const pending = new Map<string, Waiting<L | R>>();
    const lefts = new ArrivalList<L | R>();
    const rights = new ArrivalList<L | R>();
    const joined = new RecentKeys(rememberJoined);
    for (const key of alreadyJoined) joined.add(key);
    let seq = 0;
    let leftDone = false;
    let rightDone = false;
    let finished = false;
    let timer: Subscription | null = null;

    const oldest = (): Waiting<L | R> | null => {
      const l = lefts.head;
      const r = rights.head;
      return l === null ? r : r === null || l.seq < r.seq ? l : r;
    };

    const evict = (w: Waiting<L | R>, reason: 'ttl' | 'capacity' | 'completed'): void => {
      const { key, side, item } = w;
      pending.delete(key);
      (side === 'left' ? lefts : rights).remove(w);
      subscriber.next({ kind: 'unmatched', key, side, item, reason, pending: pending.size });
    };

    const expire = (now: number): void => {
      for (let w = oldest(); w !== null && w.at + ttlMs <= now; w = oldest()) evict(w, 'ttl');
    };

    // One timer, due when the oldest item expires. Items stored later expire later, so it is never late; if
    // that item leaves early, the timer fires for nothing and is set again for the new oldest.
    const arm = (): void => {
      const w = oldest();
      if (timer !== null || w === null || ttlMs === Infinity || finished) return;
      timer = scheduler.schedule(
        sweep,
        Math.min(MAX_TIMER_DELAY, Math.max(0, w.at + ttlMs - scheduler.now())),
      );
    };

    function sweep(): void {
      timer = null;
      expire(scheduler.now());
      arm();
    }

    const arrive = (side: Side, item: L | R, key: string): void => {
      const now = arrivalTime();
      // Expire first, so that a partner at exactly arrival + ttl misses whichever the scheduler runs first.
      const first = oldest();
      if (first !== null && first.at + ttlMs <= now) expire(now);
      // A key that waits cannot have been joined (a joined key is never stored again), so the joined keys need
      // asking only when nothing waits under it: once per record instead of twice.
      const partner = pending.get(key);
      if (partner !== undefined) {
        if (partner.side === side) {
          subscriber.next({ kind: 'duplicate', key, side, item, waiting: true, pending: pending.size });
          return;
        }
        pending.delete(key);
        (side === 'left' ? rights : lefts).remove(partner);
        joined.add(key);
        subscriber.next(
          side === 'left'
            ? { kind: 'joined', key, left: item as L, right: partner.item as R, pending: pending.size }
            : { kind: 'joined', key, left: partner.item as L, right: item as R, pending: pending.size },
        );
        return;
      }
      if (joined.has(key)) {
        subscriber.next({ kind: 'duplicate', key, side, item, waiting: false, pending: pending.size });
        return;
      }
      if (side === 'left' ? rightDone : leftDone) {
        subscriber.next({ kind: 'unmatched', key, side, item, reason: 'completed', pending: pending.size });
        return;
      }
      for (let w = oldest(); w !== null && pending.size >= maxPending; w = oldest()) evict(w, 'capacity');
      if (finished) return;
      const w = new Waiting<L | R>(key, side, item, now, seq++);
      pending.set(key, w);
      (side === 'left' ? lefts : rights).push(w);
      arm();
    };

    const completed = (side: Side): void => {
      if (side === 'left') leftDone = true;
      else rightDone = true;
      // Read the head afresh after each event: a subscriber reacting to one may change the lists.
      const orphans = side === 'left' ? rights : lefts;
      while (orphans.head !== null) evict(orphans.head, 'completed');
      if (leftDone && rightDone) {
        for (let w = oldest(); w !== null; w = oldest()) evict(w, 'completed');
        subscriber.complete();
      }
    };

    const input = <T extends L | R>(side: Side, keyOfItem: (item: T) => string): Partial<Observer<T>> => ({
      next: (item) => {
        let key: string;
        try {
          key = keyOfItem(item);
        } catch (err) {
          subscriber.error(err);
          return;
        }
        arrive(side, item, key);
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => completed(side),
    });
    const leftSub = left$.subscribe(input('left', keyOf.left));
    // An input that errors while being subscribed to has closed the output already.
    const rightSub = subscriber.closed ? null : right$.subscribe(input('right', keyOf.right));

    return () => {
      finished = true;
      leftSub.unsubscribe();
      rightSub?.unsubscribe();
      timer?.unsubscribe();
      timer = null;
      pending.clear();
      lefts.clear();
      rights.clear();
      joined.clear();
    };
  });
}
