/**
 * Holds drift bodies back until the metric has joined the records they describe. A model replica predicts ahead of
 * the metric's join by whatever waits in the queues between them (thousands of records under load), so drift
 * applied on arrival would raise a drift alert at a record count from before the drift began. Each body says how
 * many vectors its replica has predicted (`seen`); a body is released once the records joined, times the partitions
 * that share them, reach the vectors all live replicas have predicted, or once it has waited `maxWaitMs`. The wait
 * bounds the delay where the counts cannot meet: a metric restarted mid-stream, records lost or redelivered, a
 * replica that stopped. Bodies without `seen` (older replicas) are released at once. Pure: the caller passes the
 * time.
 */
import type { DriftBody } from './driftBody.js';

/** The longest a drift body is held back, in ms. */
export const DRIFT_ALIGN_MAX_WAIT_MS = 5_000;
/** Most bodies held back at once: past it the oldest is released early (memory stays bounded at any rate). */
export const DRIFT_ALIGN_MAX_HELD = 256;

export interface DriftAlignmentOptions {
  /** Metric partitions sharing the records (each joins about 1 / partitions of them). @default 1 */
  readonly partitions?: number;
  /** @default DRIFT_ALIGN_MAX_WAIT_MS */
  readonly maxWaitMs?: number;
  /** A source's count is forgotten this long (ms) after its latest body. */
  readonly forgetMs: number;
  /** @default DRIFT_ALIGN_MAX_HELD */
  readonly maxHeld?: number;
}

/** A body and when it was heard. */
export interface HeardDrift {
  readonly body: DriftBody;
  readonly at: number;
}

interface Held extends HeardDrift {
  /** Vectors all live replicas had predicted when it was heard: the records it waits for. */
  readonly predicted: number;
}

/**
 * @example
 * ```ts
 * const align = new DriftAlignment({ forgetMs: 60_000 });
 * align.hold({ ...body, seen: 10_250 }, now); // []
 * align.release(9_500, now); // []: the metric has not joined those records yet
 * align.release(10_250, now); // [{ body, at }]
 * ```
 */
export class DriftAlignment {
  readonly #partitions: number;
  readonly #maxWaitMs: number;
  readonly #forgetMs: number;
  readonly #maxHeld: number;
  /** Bodies held back, in the order heard (so `predicted` only grows along it, but for a replica restarting). */
  #held: Held[] = [];
  /** The latest `seen` per source, and when it was heard. */
  readonly #seen = new Map<string, { readonly seen: number; readonly at: number }>();

  constructor(options: DriftAlignmentOptions) {
    this.#partitions = options.partitions ?? 1;
    this.#maxWaitMs = options.maxWaitMs ?? DRIFT_ALIGN_MAX_WAIT_MS;
    this.#forgetMs = options.forgetMs;
    this.#maxHeld = options.maxHeld ?? DRIFT_ALIGN_MAX_HELD;
    if (!(Number.isSafeInteger(this.#partitions) && this.#partitions >= 1))
      throw new RangeError(`partitions must be a whole number of at least 1, got ${this.#partitions}`);
  }

  /** Bodies held back now. */
  get held(): number {
    return this.#held.length;
  }

  /**
   * Takes a body heard at `nowMs`: returns it at once when it carries no `seen`, else holds it until `release`
   * hands it out; returns the oldest held body when too many are held.
   */
  hold(body: DriftBody, nowMs: number): HeardDrift[] {
    if (body.seen === undefined) return [{ body, at: nowMs }];
    this.#seen.set(body.source, { seen: body.seen, at: nowMs });
    let predicted = 0;
    for (const [source, { seen, at }] of this.#seen)
      if (nowMs - at > this.#forgetMs) this.#seen.delete(source);
      else predicted += seen;
    this.#held.push({ body, at: nowMs, predicted });
    return this.#held.length > this.#maxHeld ? this.#take(1) : [];
  }

  /** The held bodies due once `records` are joined at `nowMs` (see the module comment), in the order heard. */
  release(records: number, nowMs: number): HeardDrift[] {
    const joined = records * this.#partitions;
    // The last body due: later ones may be due by their count while an earlier one is not (a replica restarted);
    // the order heard is kept, so everything up to the last due body goes.
    let last = -1;
    this.#held.forEach((h, i) => {
      if (h.predicted <= joined || nowMs - h.at >= this.#maxWaitMs) last = i;
    });
    return this.#take(last + 1);
  }

  /** Every held body, in the order heard: for a last summary, when no more records will come. */
  releaseAll(): HeardDrift[] {
    return this.#take(this.#held.length);
  }

  #take(count: number): HeardDrift[] {
    if (count === 0) return [];
    const due = this.#held.slice(0, count).map(({ body, at }) => ({ body, at }));
    this.#held = this.#held.slice(count);
    return due;
  }
}
