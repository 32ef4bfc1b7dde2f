/**
 * The plot service: follows the metric log like `tail -F`, keeps the error histogram and statistics up to date,
 * and redraws the PNG when rows arrive; over partition logs it also writes the summary over all of them. What
 * ticks it is the CLI's `plotLoop` (src/cli/plotLoop.ts): in a worker thread in the one-process pipeline, on the
 * main thread in `pipeline plot`.
 */
import { DEFAULT_BINS, ErrorHistogram, type HistogramSnapshot } from '../core/histogram.js';
import { errorHistogramSpec } from '../core/plotSpec.js';
import { RunningStats, type StatsSnapshot } from '../core/stats.js';
import { DEFAULT_MAX_BYTES_PER_TICK } from '../files/metricLogReader.js';
import { createPartitionedLogReader } from '../files/partitionedLogReader.js';
import { renderPng } from '../files/renderPng.js';
import { serialise } from '../core/serialise.js';
import { writeFileAtomic } from '../files/writeFileAtomic.js';
import { createMergedSummary, type MergedSummaryOptions } from './mergedSummary.js';
import { createTimeline, type TimelineOptions } from './timeline.js';

// Part of the plotter's options (`maxBytesPerTick`), so it is exported with them.
export { DEFAULT_MAX_BYTES_PER_TICK } from '../files/metricLogReader.js';

export interface PlotterOptions {
  /** The metric log to follow (`logs/metric_log.csv`). It need not exist yet. */
  readonly csvFile: string;
  /** Where the PNG is written (`logs/error_distribution.png`), atomically. Its directory must exist. */
  readonly imgFile: string;
  /**
   * Histogram bins.
   * @default DEFAULT_BINS
   */
  readonly bins?: number;
  /**
   * Most bytes of the log read by one tick; the rest is read by the next ones, so a tick's cost is bounded.
   * @default DEFAULT_MAX_BYTES_PER_TICK
   */
  readonly maxBytesPerTick?: number;
  /** The error-over-time chart (`logs/error_over_time.png`) and the alert log it marks; none when absent. */
  readonly timeline?: TimelineOptions;
  /**
   * The summary over metric partitions (`logs/metric_summary.json`), written when the logs are partitioned and
   * their metrics write summaries of their own (see `createMergedSummary`); none when absent.
   */
  readonly summary?: MergedSummaryOptions;
}

/** What one tick did. */
export interface TickResult {
  /** Valid rows read by this tick. */
  readonly rowsAdded: number;
  /** Rows this tick could not parse and skipped (header and blank lines are not counted). */
  readonly malformedRows: number;
  /** The log was truncated or replaced: everything was forgotten and it is being read again from the start. */
  readonly restarted: boolean;
  /** The PNG was rewritten. */
  readonly rendered: boolean;
  /** The error-over-time PNG was rewritten. */
  readonly timelineRendered: boolean;
  /** Lines of the alert log this tick could not read and skipped. */
  readonly malformedAlerts: number;
  /** The summary over the partitions was rewritten. */
  readonly summaryWritten: boolean;
  /** Partition summaries that cannot be read now, left out of the merged summary. */
  readonly unreadableSummaries: number;
  /** What the log should say, once: each partition summary that became unreadable, and why. */
  readonly warnings: readonly string[];
}

/** Everything a plotter has read so far. */
export interface PlotterState {
  readonly histogram: HistogramSnapshot;
  readonly stats: StatsSnapshot;
  /** Malformed rows skipped since the log was last read from the start. */
  readonly malformedRows: number;
  /** Bytes of the log read so far. */
  readonly offset: number;
}

export interface Plotter {
  /**
   * Reads what was appended to the log since the last tick, and rewrites the PNG if that added rows, if the log
   * restarted (an empty chart then replaces a stale one) or if the previous rewrite failed. Calls are
   * serialised: a tick started while another runs waits for it. Rejects on I/O errors other than a missing log;
   * the plotter stays usable and the next tick carries on.
   */
  tick(): Promise<TickResult>;
  state(): PlotterState;
}

/** Throws a `RangeError` for options no plotter can work with. */
function checkOptions({
  bins = DEFAULT_BINS,
  maxBytesPerTick = DEFAULT_MAX_BYTES_PER_TICK,
}: PlotterOptions): void {
  if (!Number.isSafeInteger(bins) || bins < 1)
    throw new RangeError(`bins must be a positive integer, got ${bins}`);
  if (!Number.isSafeInteger(maxBytesPerTick) || maxBytesPerTick < 1)
    throw new RangeError(`maxBytesPerTick must be a positive integer, got ${maxBytesPerTick}`);
}

/**
 * A plotter over `csvFile` (see `createMetricLogReader` for how the log is followed), drawing `imgFile`.
 *
 * @example
 * ```ts
 * const plotter = createPlotter({ csvFile: 'logs/metric_log.csv', imgFile: 'logs/error_distribution.png' });
 * const { rowsAdded, rendered } = await plotter.tick();
 * ```
 */
export function createPlotter(options: PlotterOptions): Plotter {
  checkOptions(options);
  const { csvFile, imgFile, bins = DEFAULT_BINS, maxBytesPerTick = DEFAULT_MAX_BYTES_PER_TICK } = options;
  // The log and its partition logs (metric_log.<p>.csv) as one: see docs/partitions.md.
  const reader = createPartitionedLogReader(csvFile, maxBytesPerTick);
  const histogram = new ErrorHistogram(bins);
  const stats = new RunningStats();
  const timeline = options.timeline === undefined ? undefined : createTimeline(options.timeline);
  const summary = options.summary === undefined ? undefined : createMergedSummary(options.summary);
  let malformedTotal = 0;
  // The PNG does not show everything read yet (rows arrived, the log restarted, or the last render failed).
  let dirty = false;

  const tick = async (): Promise<TickResult> => {
    const chunk = await reader.read();
    let malformed = chunk.malformedRows;
    if (chunk.restarted) {
      histogram.reset();
      stats.reset();
      timeline?.reset();
      summary?.reset();
      malformedTotal = 0;
      dirty = true;
    }
    let rows = 0;
    for (const record of chunk.records) {
      try {
        // The timeline first: what the histogram refuses (near Number.MAX_VALUE), the timeline refuses too.
        timeline?.add(record);
        summary?.add(record); // the same check as the timeline's: both refuse the same rows
        histogram.add(record.absolute_error);
      } catch {
        // Only huge values get here: they cannot be binned or squared, so they count as malformed.
        malformed++;
        continue;
      }
      stats.add(record.absolute_error);
      rows++;
    }
    malformedTotal += malformed;
    if (rows > 0) dirty = true;
    let rendered = false;
    if (dirty) {
      const png = await renderPng(errorHistogramSpec(histogram.snapshot(), stats.snapshot()));
      await writeFileAtomic(imgFile, png);
      dirty = false;
      rendered = true;
    }
    const timed = (await timeline?.render()) ?? { rendered: false, malformedAlerts: 0 };
    const merged = (await summary?.write(reader.partitions)) ?? {
      written: false,
      unreadable: 0,
      problems: [],
    };
    return {
      rowsAdded: rows,
      malformedRows: malformed,
      restarted: chunk.restarted,
      rendered,
      timelineRendered: timed.rendered,
      malformedAlerts: timed.malformedAlerts,
      summaryWritten: merged.written,
      unreadableSummaries: merged.unreadable,
      warnings: merged.problems.map((p) => `summary over the partitions leaves out ${p}`),
    };
  };

  return {
    tick: serialise(tick),
    state: () => ({
      histogram: histogram.snapshot(),
      stats: stats.snapshot(),
      malformedRows: malformedTotal,
      offset: reader.offset,
    }),
  };
}
