/**
 * --partitions (features, model, metric, the one-process pipeline) and --partition (metric): the metric split by
 * record id (see core/partitions.ts and docs/partitions.md).
 */
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { errorMessage } from '../core/errors.js';
import { metricLogName, partitionFileName, resolvePartition } from '../core/partitions.js';
import { positiveInteger, type CliOption } from './command.js';
import { UsageError } from './usageError.js';

export const partitionsOptions = {
  partitions: {
    type: 'number',
    default: 1,
    describe:
      'metric partitions: above 1, y_true and y_pred of each id go to y_true.<p> / y_pred.<p>, p from a hash of ' +
      'the id; every service of a pipeline must use the same number',
    check: positiveInteger,
  },
} as const satisfies Record<string, CliOption>;

export const partitionOptions = {
  ...partitionsOptions,
  partition: {
    type: 'string',
    describe:
      "the partition this metric owns: 0 … partitions-1, or 'auto' for the ordinal ending the host name " +
      '(metric-2 → 2, as a Kubernetes StatefulSet names its pods) [default: 0 with one partition]',
  },
} as const satisfies Record<string, CliOption>;

export interface OwnedPartition {
  readonly index: number;
  readonly count: number;
}

/** The partition a metric owns, or a UsageError (exit 2) saying why there is none. */
export function ownedPartition(
  args: { partitions: number; partition?: string | undefined },
  host: string = hostname(),
): OwnedPartition {
  const count = args.partitions;
  if (args.partition === undefined) {
    if (count === 1) return { index: 0, count };
    throw new UsageError(`with --partitions ${count}, --partition (0 … ${count - 1} or auto) is needed`);
  }
  try {
    return { index: resolvePartition(args.partition, count, host), count };
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
}

/** `path` with `.<p>` before its extension when there are several partitions (`x.csv` → `x.2.csv`), else itself. */
const ofPartition = (path: string, owned: OwnedPartition): string =>
  owned.count === 1 ? path : join(dirname(path), partitionFileName(basename(path), owned.index, owned.count));

/**
 * The metric log of a partition: metric_log.csv or metric_log.<p>.csv in the folder, or --csv-file, with `.<p>`
 * before its extension when there are several partitions: partitions given one --csv-file (a shared compose
 * setting) must not all write one file, and plot reads `x.csv` with every `x.<p>.csv` beside it.
 */
export const partitionCsvFile = (
  args: { logDir: string; csvFile?: string | undefined },
  owned: OwnedPartition,
): string =>
  args.csvFile === undefined
    ? join(args.logDir, metricLogName(owned.index, owned.count))
    : ofPartition(args.csvFile, owned);

/**
 * Another output of a partition's metric (its summary, its alert log): `given` (the option's value), with `.<p>`
 * before its extension when there are several partitions, `''` (off) as it is; without `given`, `name` with `.<p>`
 * in the log folder, or undefined (the command's default) for one partition.
 */
export const partitionFile = (
  logDir: string,
  name: string,
  owned: OwnedPartition,
  given?: string,
): string | undefined => {
  if (given !== undefined) return given === '' ? given : ofPartition(given, owned);
  return owned.count === 1 ? undefined : join(logDir, partitionFileName(name, owned.index, owned.count));
};
