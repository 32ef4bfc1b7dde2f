/**
 * Drift over every model replica: the latest `drift` body of each source, added up, as one PSI per column against
 * the reference profile. Pure: the caller passes the time.
 *
 * Why counts are added rather than PSIs averaged: the PSI of the merged windows is the PSI of all the vectors the
 * replicas saw, which no mean of per-replica PSIs equals (see `DriftBody`).
 */
import type { DriftBody } from './driftBody.js';
import { DEFAULT_MIN_DRIFT_COUNT, populationStabilityIndex, PSI_EPSILON } from './driftWindow.js';
import { PREDICTION_COLUMN, type ReferenceProfile } from './referenceProfile.js';

/** A source not heard from for this long (ms) is dropped from the sum: its replica has stopped or gone. */
export const DRIFT_SOURCE_TTL_MS = 60_000;

export interface DriftMergeOptions {
  /** Ms after its latest body that a source still counts. @default DRIFT_SOURCE_TTL_MS */
  readonly staleMs?: number;
  /** Vectors the sum must hold before PSI is reported. @default DEFAULT_MIN_DRIFT_COUNT */
  readonly minCount?: number;
  /** Floor on empty bins' shares. @default PSI_EPSILON */
  readonly epsilon?: number;
}

/** The merged drift of the moment. */
export interface MergedDrift {
  /** Vectors in the sum of the live sources' windows. */
  readonly n: number;
  /** Live sources. */
  readonly sources: number;
  /** PSI per column (the features in profile order, then `prediction`); null while `n` is below the minimum. */
  readonly psi: Readonly<Record<string, number | null>>;
}

interface Heard {
  readonly body: DriftBody;
  readonly at: number;
}

/**
 * Keeps the latest body per source and merges them.
 *
 * @example
 * ```ts
 * const drift = new DriftMerge(reference);
 * drift.add(body, Date.now()); // undefined, or why the body does not fit the reference
 * drift.merged(Date.now()); // { n: 1000, sources: 1, psi: { age: 0.01, …, prediction: 0.02 } }
 * ```
 */
export class DriftMerge {
  /** The reference's columns: its features, then `prediction`. */
  readonly columns: readonly string[];
  readonly #expected: ReadonlyMap<string, readonly number[]>;
  readonly #staleMs: number;
  readonly #minCount: number;
  readonly #epsilon: number;
  readonly #sources = new Map<string, Heard>();
  /**
   * The last merge, valid until a body is added or the oldest source expires: the rules are evaluated every 100
   * records, drift bodies come every 1,000 vectors per replica, so most evaluations would merge the same bodies again.
   */
  #cached: { readonly merged: MergedDrift; readonly until: number } | undefined;

  constructor(reference: ReferenceProfile, options: DriftMergeOptions = {}) {
    const bins = new Map<string, readonly number[]>(
      Object.entries(reference.features).map(([name, b]) => [name, b.fractions]),
    );
    bins.set(PREDICTION_COLUMN, reference.prediction.fractions);
    this.#expected = bins;
    this.columns = Object.freeze([...bins.keys()]);
    this.#staleMs = options.staleMs ?? DRIFT_SOURCE_TTL_MS;
    this.#minCount = options.minCount ?? DEFAULT_MIN_DRIFT_COUNT;
    this.#epsilon = options.epsilon ?? PSI_EPSILON;
  }

  /**
   * Takes `body` as its source's latest window, heard at `nowMs`. Returns why it was refused (its columns or bins
   * do not match the reference: a replica running another model), or undefined when it was taken.
   */
  add(body: DriftBody, nowMs: number): string | undefined {
    const problem = this.check(body);
    if (problem !== undefined) return problem;
    this.#sources.set(body.source, { body, at: nowMs });
    this.#cached = undefined;
    return undefined;
  }

  /** The sum of the sources heard from within the TTL of `nowMs` (older ones are forgotten), and its PSI. */
  merged(nowMs: number): MergedDrift {
    if (this.#cached !== undefined && nowMs <= this.#cached.until) return this.#cached.merged;
    for (const [source, heard] of this.#sources)
      if (nowMs - heard.at > this.#staleMs) this.#sources.delete(source);
    const merged = this.#merge();
    let oldest = Infinity;
    for (const { at } of this.#sources.values()) oldest = Math.min(oldest, at);
    // Until the oldest source goes stale (for ever while there is none: only `add` can change that).
    this.#cached = { merged, until: oldest + this.#staleMs };
    return merged;
  }

  #merge(): MergedDrift {
    let n = 0;
    for (const { body } of this.#sources.values()) n += body.n;
    const psi: Record<string, number | null> = {};
    for (const [column, expected] of this.#expected) {
      if (n < this.#minCount || n === 0) {
        psi[column] = null;
        continue;
      }
      // Whole counts add exactly; the shares are taken once, from the sum.
      const sum = new Array<number>(expected.length).fill(0);
      for (const { body } of this.#sources.values()) body.counts[column]!.forEach((c, i) => (sum[i]! += c));
      psi[column] = populationStabilityIndex(
        sum.map((c) => c / n),
        expected,
        this.#epsilon,
      );
    }
    return { n, sources: this.#sources.size, psi };
  }

  /** Why `body` does not fit the reference (a replica running another model), or undefined when it does. */
  check(body: DriftBody): string | undefined {
    const problem = this.#mismatch(body);
    return problem === undefined ? undefined : `drift from ${body.source}: ${problem}`;
  }

  #mismatch(body: DriftBody): string | undefined {
    const names = Object.keys(body.counts);
    const extra = names.filter((name) => !this.#expected.has(name));
    if (extra.length > 0) return `columns not in the reference: ${extra.slice(0, 5).join(', ')}`;
    for (const [column, expected] of this.#expected) {
      const counts = body.counts[column];
      if (counts === undefined) return `no counts for column ${column}`;
      if (counts.length !== expected.length)
        return `${counts.length} bins for ${column}, the reference has ${expected.length}`;
    }
    return undefined;
  }
}
