/**
 * The plot service's summary over metric partitions: when each partition's metric writes its own summary
 * (`metric_summary.<p>.json`) beside its log (`metric_log.<p>.csv`), the plot, which reads every partition log
 * anyway, writes `metric_summary.json` over all of them (see `mergeSummaries` for what it holds, and
 * docs/partitions.md). The rows come from the plotter; this keeps their quality and writes the file.
 */
import type { MetricRecord } from '../core/metricsBody.js';
import { DEFAULT_WINDOW_SIZE } from '../core/quality.js';
import { QualityStats } from '../core/qualityStats.js';
import type { SummaryBody } from '../core/summaryBody.js';
import { mergeSummaries } from '../core/summaryMerge.js';
import { createPartitionSummaryReader } from '../files/partitionSummaryReader.js';
import { writeFileAtomic } from '../files/writeFileAtomic.js';

export interface MergedSummaryOptions {
  /**
   * Where the merged summary goes (`logs/metric_summary.json`), atomically; the partition summaries are read
   * beside it, with `.<p>` before its extension. Its directory must exist.
   */
  readonly file: string;
  /** Records in the window: the last ones read. @default DEFAULT_WINDOW_SIZE */
  readonly windowSize?: number;
  /** Wall-clock time in ms, for `updated`. @default Date.now */
  readonly now?: () => number;
}

/** What one `write` did. */
export interface MergedSummaryResult {
  /** The file was rewritten. */
  readonly written: boolean;
  /** Partition summaries that cannot be read now (they are left out of drift and alerts). */
  readonly unreadable: number;
  /** Why, for each one that became unreadable since the previous write. */
  readonly problems: readonly string[];
}

export interface MergedSummary {
  /** Folds one row of the partition logs in; throws a `RangeError` (adding nothing) for values it cannot count. */
  add(record: MetricRecord): void;
  /** Forgets every row (a log started over). */
  reset(): void;
  /**
   * Writes the merged summary if the folder is partitioned (`partitionLogs` > 0) and has partition summaries,
   * and the summary differs from the one written last (its time aside). Rejects when the file cannot be written;
   * the next call tries again.
   */
  write(partitionLogs: number): Promise<MergedSummaryResult>;
  /** The summary the last `write` wrote, if any. */
  last(): SummaryBody | undefined;
}

/** Throws a `RangeError` for a window size that is not a positive integer. */
export function createMergedSummary(options: MergedSummaryOptions): MergedSummary {
  const { file, windowSize = DEFAULT_WINDOW_SIZE, now = Date.now } = options;
  const partitionSummaries = createPartitionSummaryReader(file);
  let stats = new QualityStats({ windowSize });
  let written: SummaryBody | undefined;
  let writtenContent = '';

  return {
    add: (record) => stats.add(record.y_true, record.y_pred),
    reset: () => {
      stats = new QualityStats({ windowSize });
    },
    write: async (partitionLogs) => {
      // Not a partitioned folder: its metric (or the one-process pipeline) writes this file itself.
      if (partitionLogs === 0) return { written: false, unreadable: 0, problems: [] };
      const read = await partitionSummaries.read();
      const none = { written: false, unreadable: read.unreadable, problems: read.problems };
      // No partition summary at all: the metrics do not watch (--no-watch), or one process watches every
      // partition and writes this file itself (the one-process pipeline).
      if (read.found === 0) return none;
      const merged = mergeSummaries({
        quality: stats.snapshot(),
        partitions: partitionLogs,
        summaries: read.summaries,
        nowMs: now(),
      });
      const { updated: _, ...content } = merged;
      const text = JSON.stringify(content);
      if (text === writtenContent) return none;
      await writeFileAtomic(file, `${JSON.stringify(merged, null, 2)}\n`);
      written = merged;
      writtenContent = text;
      return { ...none, written: true };
    },
    last: () => written,
  };
}
