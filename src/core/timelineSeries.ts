/**
 * The points of the error-over-time chart: window figures sampled against the record count, in bounded memory
 * however long the pipeline runs. Pure.
 */

/** Points kept at most when not configured: enough for a smooth line across a 640-pixel chart. */
export const DEFAULT_TIMELINE_POINTS = 500;

/** One sample: the window's figures after `record` records. */
export interface TimelinePoint {
  readonly record: number;
  readonly mae: number;
  readonly bias: number;
}

/**
 * Keeps one point every `stride` records. When `maxPoints` are held, every other point is dropped and the stride
 * doubles, so the points stay evenly spread from the first record to the latest and their number never exceeds
 * `maxPoints`: memory is flat over millions of records, and the chart always spans the whole run.
 *
 * @example
 * ```ts
 * const series = new TimelineSeries(4);
 * for (let r = 1; r <= 10; r++) if (series.wants(r)) series.add({ record: r, mae: 1, bias: 0 });
 * series.points().map((p) => p.record); // [4, 8]: the stride is 4 by now
 * ```
 */
export class TimelineSeries {
  private kept: TimelinePoint[] = [];
  private stride = 1;

  /** Throws a `RangeError` unless `maxPoints` is an integer of at least 2. */
  constructor(readonly maxPoints: number = DEFAULT_TIMELINE_POINTS) {
    if (!Number.isSafeInteger(maxPoints) || maxPoints < 2)
      throw new RangeError(`maxPoints must be an integer of at least 2, got ${maxPoints}`);
  }

  /** Records between two kept points now. */
  get every(): number {
    return this.stride;
  }

  /** Whether the point after `record` records is one to keep: only those are worth computing. */
  wants(record: number): boolean {
    return record > 0 && record % this.stride === 0;
  }

  /** Keeps `point` (the caller asked `wants(point.record)` first); thins the series when it is full. */
  add(point: TimelinePoint): void {
    this.kept.push(point);
    if (this.kept.length < this.maxPoints) return;
    this.stride *= 2;
    // What stays are the points on the new stride, so the spacing stays even.
    this.kept = this.kept.filter((p) => p.record % this.stride === 0);
  }

  /** The kept points, oldest first. */
  points(): readonly TimelinePoint[] {
    return this.kept;
  }

  /** Forgets every point (the log started over). */
  reset(): void {
    this.kept = [];
    this.stride = 1;
  }
}
