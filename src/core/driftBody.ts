/**
 * The body of a `drift` message: one model replica's drift window, as bin counts against the reference profile's
 * bins. Counts rather than PSI values, so that the metric can add the windows of several replicas and compute one
 * PSI over all the vectors they saw (the PSI of a sum is not a mean of PSIs). Pure.
 *
 * @example
 * ```ts
 * const body: DriftBody = { source: 'model-1', window: 1000, n: 1000, counts: { bmi: [98, 101, …], prediction: […] } };
 * driftBody(JSON.parse(JSON.stringify(body))); // { ok: true, value: body }
 * ```
 */
import { describeValue, pass, refuse, type BodyValidator } from './codec.js';

export interface DriftBody {
  /** The replica that sent it (its instance name): the metric keeps the latest body of each source. */
  readonly source: string;
  /** The replica's window size (`--drift-window`). */
  readonly window: number;
  /** Vectors in the window now (≤ window). */
  readonly n: number;
  /** Per column (each feature, and `prediction`): the window's count in each reference bin, in bin order. */
  readonly counts: Readonly<Record<string, readonly number[]>>;
  /**
   * Vectors the replica has predicted since it started (≥ n). Lets the metric apply the body in step with the
   * records it joins; absent from older replicas, whose bodies are applied as they come.
   */
  readonly seen?: number;
}

/** Most columns one body may carry, and most bins per column (a reference has at most 10 bins per column). */
export const MAX_DRIFT_COLUMNS = 1_000;
export const MAX_DRIFT_BINS = 256;
const MAX_NAME = 256;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_NAME;

/** Checks a `drift` body: names, counts that are non-negative integers, each column's counts summing to `n`. */
export const driftBody: BodyValidator<DriftBody> = (body) => {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return refuse(`body must be an object, got ${describeValue(body)}`);
  const b = body as Record<string, unknown>;
  if (!isName(b.source)) return refuse(`body.source must be a name of 1 to ${MAX_NAME} characters`);
  if (!isCount(b.window) || b.window === 0)
    return refuse(`body.window must be a positive integer, got ${describeValue(b.window)}`);
  if (!isCount(b.n) || b.n > b.window)
    return refuse(`body.n must be an integer from 0 to body.window, got ${describeValue(b.n)}`);
  if (b.seen !== undefined && (!isCount(b.seen) || b.seen < b.n))
    return refuse(`body.seen must be an integer of at least body.n, got ${describeValue(b.seen)}`);
  const counts = b.counts;
  if (typeof counts !== 'object' || counts === null || Array.isArray(counts))
    return refuse(`body.counts must be an object, got ${describeValue(counts)}`);
  const entries = Object.entries(counts);
  if (entries.length > MAX_DRIFT_COLUMNS)
    return refuse(`body.counts has ${entries.length} columns; at most ${MAX_DRIFT_COLUMNS}`);
  const checked: Record<string, readonly number[]> = {};
  for (const [name, bins] of entries) {
    const at = `body.counts.${name.slice(0, 40)}`;
    if (!isName(name))
      return refuse(`body.counts has an empty column name or one over ${MAX_NAME} characters`);
    if (!Array.isArray(bins) || bins.length === 0 || bins.length > MAX_DRIFT_BINS)
      return refuse(`${at} must be an array of 1 to ${MAX_DRIFT_BINS} counts`);
    let sum = 0;
    for (const c of bins as unknown[]) {
      if (!isCount(c)) return refuse(`${at} must hold non-negative integers, got ${describeValue(c)}`);
      sum += c;
    }
    if (sum !== b.n) return refuse(`${at} counts ${sum} vectors, but body.n is ${b.n}`);
    checked[name] = bins as number[];
  }
  const checkedBody = { source: b.source, window: b.window, n: b.n, counts: checked };
  return pass(b.seen === undefined ? checkedBody : { ...checkedBody, seen: b.seen });
};
