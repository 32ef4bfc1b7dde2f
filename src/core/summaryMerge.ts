/**
 * One summary over the metric partitions, for a folder where each partition's metric writes its own
 * (`metric_summary.<p>.json`): the quality of every partition's rows, the drift of the latest partition summary and
 * the alerts each partition fires. Pure: the caller computes the quality over the rows it read and reads the
 * partition summaries (see `src/services/mergedSummary.ts`).
 *
 * Why the quality is not merged from the partition summaries: R² needs each partition's target mean, which a
 * summary does not carry, and percentiles and a window over all records cannot be made from per-partition ones.
 * The rows of the partition logs give every figure exactly.
 */
import type { QualitySnapshot } from './quality.js';
import {
  MAX_SUMMARY_ENTRIES,
  type DriftSummary,
  type FiringAlertBody,
  type SummaryBody,
} from './summaryBody.js';

/** A partition's own summary, as its metric wrote it. */
export interface PartitionSummary {
  readonly partition: number;
  readonly summary: SummaryBody;
}

export interface SummaryMergeInput {
  /** The quality over the rows of every partition log (`all` over all of them, `window` over the last ones). */
  readonly quality: QualitySnapshot;
  /** Partition logs the rows came from: the summary's `partitions`. */
  readonly partitions: number;
  /** The partition summaries that could be read, in any order. */
  readonly summaries: readonly PartitionSummary[];
  readonly nowMs: number;
}

/** The drift reported when no partition summary could be read. */
export const NO_PARTITION_DRIFT: DriftSummary = {
  enabled: false,
  reason: 'no partition summary could be read',
  n: 0,
  sources: 0,
  psi: {},
};

/** The most recently updated summary; of two updated at the same time, the lower partition's. */
function latest(summaries: readonly PartitionSummary[]): PartitionSummary | undefined {
  let best: PartitionSummary | undefined;
  for (const s of summaries) {
    if (best === undefined) best = s;
    else {
      const [t, b] = [Date.parse(s.summary.updated), Date.parse(best.summary.updated)];
      if (t > b || (t === b && s.partition < best.partition)) best = s;
    }
  }
  return best;
}

/**
 * The merged summary:
 * - `n`, `all`, `window`: `quality`, as given;
 * - `drift`: that of the most recently updated partition summary. Every partition's metric consumes the drift
 *   broadcasts of the same model replicas and merges them the same way, so they differ only by when they last
 *   heard them: the latest is the freshest;
 * - `alerts`: every partition's firing alerts, each with its `partition`, by partition then as the partition lists
 *   them (a drift alert therefore appears once per partition that fires it); at most `MAX_SUMMARY_ENTRIES`;
 * - `partitions`: `input.partitions`.
 *
 * @example
 * ```ts
 * mergeSummaries({ quality: stats.snapshot(), partitions: 3, summaries: [{ partition: 0, summary }], nowMs });
 * ```
 */
export function mergeSummaries(input: SummaryMergeInput): SummaryBody {
  const byPartition = [...input.summaries].sort((a, b) => a.partition - b.partition);
  const alerts: FiringAlertBody[] = [];
  for (const { partition, summary } of byPartition)
    for (const a of summary.alerts) alerts.push({ ...a, partition });
  return {
    updated: new Date(input.nowMs).toISOString(),
    ...input.quality,
    drift: latest(byPartition)?.summary.drift ?? NO_PARTITION_DRIFT,
    alerts: alerts.slice(0, MAX_SUMMARY_ENTRIES),
    partitions: input.partitions,
  };
}
