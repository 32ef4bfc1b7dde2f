import { errorMessage } from '../../src/core/errors.js';
/**
 * A benchmark figure: the samples of its runs, their median, and how that median compares with its target. Pure.
 *
 * Medians, not means: on a shared two-core machine one run in three may be disturbed by someone else's work, and
 * a median of three shrugs off one outlier where a mean would not.
 */

/** A target: the figure must be at least (`>=`) or at most (`<=`) `value`. */
export interface Target {
  readonly op: '>=' | '<=';
  readonly value: number;
}

/**
 * - `pass` / `miss`: measured, and compared with its target;
 * - `info`: measured, no target (a reference, a ratio shown for context);
 * - `skipped`: not measured on purpose (not selected, a broker is not reachable), `note` says why;
 * - `failed`: the benchmark broke; `note` holds the error.
 */
export type FigureStatus = 'pass' | 'miss' | 'info' | 'skipped' | 'failed';

export interface Figure {
  /** Stable identifier, e.g. `e2e.amqp.records_per_s`: the JSON's key for comparing results over time. */
  readonly id: string;
  /** The benchmark it belongs to, e.g. `1 end-to-end`. */
  readonly group: string;
  /** What was measured, for the table. */
  readonly label: string;
  readonly unit: string;
  /** The median of `samples`; null when nothing was measured. */
  readonly value: number | null;
  /** One value per run, in run order. */
  readonly samples: readonly number[];
  readonly target?: Target;
  readonly status: FigureStatus;
  readonly note?: string;
}

/** What a benchmark knows about a figure before it has a value. */
export interface FigureSpec {
  readonly id: string;
  readonly group: string;
  readonly label: string;
  readonly unit: string;
  readonly target?: Target;
  readonly note?: string;
}

/** The median; NaN for no values. For an even count, the mean of the two middle values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The `q` quantile (0..1) of `values` by the nearest-rank method: always one of the values. NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

export const meets = (value: number, target: Target): boolean =>
  target.op === '>=' ? value >= target.value : value <= target.value;

/** A measured figure: the median of `samples`, compared with the target if it has one. */
export function measured(spec: FigureSpec, samples: readonly number[], note?: string): Figure {
  const finite = samples.filter((s) => Number.isFinite(s));
  if (finite.length === 0) return failed(spec, note ?? 'no run produced a value');
  const value = median(finite);
  const n = note ?? spec.note;
  return {
    ...spec,
    value,
    samples: [...samples],
    status: spec.target ? (meets(value, spec.target) ? 'pass' : 'miss') : 'info',
    ...(n !== undefined ? { note: n } : {}),
  };
}

export function skipped(spec: FigureSpec, reason: string): Figure {
  return { ...spec, value: null, samples: [], status: 'skipped', note: reason };
}

export function failed(spec: FigureSpec, error: unknown): Figure {
  const message = errorMessage(error);
  return { ...spec, value: null, samples: [], status: 'failed', note: message.split('\n')[0] ?? message };
}

/** Collects samples per figure over the runs of a benchmark, then turns them into figures. */
export class Samples {
  private readonly byId = new Map<string, { spec: FigureSpec; values: number[]; notes: string[] }>();

  /** Adds one run's value of a figure (NaN when that run could not measure it). */
  add(spec: FigureSpec, value: number, note?: string): void {
    let entry = this.byId.get(spec.id);
    if (!entry) this.byId.set(spec.id, (entry = { spec, values: [], notes: [] }));
    entry.values.push(value);
    if (note !== undefined && !entry.notes.includes(note)) entry.notes.push(note);
  }

  figures(): Figure[] {
    return [...this.byId.values()].map(({ spec, values, notes }) => {
      const note = [spec.note, ...notes].filter((n) => n !== undefined).join('; ');
      return measured(spec, values, note === '' ? undefined : note);
    });
  }
}
