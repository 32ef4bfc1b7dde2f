/**
 * Follows a metric log and its partition logs as one: `metric_log.csv` and every `metric_log.<p>.csv` beside it
 * (the logs of a metric split by record id, see docs/partitions.md). Each file is followed by its own
 * `createMetricLogReader`; the folder is listed on every read, so a partition log that appears later is picked
 * up. Each file is read from where the previous read stopped, and the rows the files gained are interleaved
 * evenly (see `interleave`): the rows of one read are not in time order across partitions, but every stretch of
 * them holds each partition's rows of the same stretch of time, so the latest rows read are the latest of every
 * partition, not only of the last file.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { interleave } from '../core/interleave.js';
import { serialise } from '../core/serialise.js';
import {
  createMetricLogReader,
  DEFAULT_MAX_BYTES_PER_TICK,
  type MetricLogChunk,
  type MetricLogReader,
} from './metricLogReader.js';

/**
 * The partition of `name` if it is one of `fileName`'s partition files (`metric_log.csv` → `metric_log.2.csv` is
 * 2; `metric_summary.json` → `metric_summary.0.json` is 0), else undefined (`fileName` itself included).
 */
export function partitionOfFile(fileName: string, name: string): number | undefined {
  const dot = fileName.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [fileName.slice(0, dot), fileName.slice(dot)] : [fileName, ''];
  if (!name.startsWith(`${stem}.`) || !name.endsWith(ext)) return undefined;
  const digits = name.slice(stem.length + 1, name.length - ext.length);
  return /^\d+$/.test(digits) ? Number(digits) : undefined;
}

/** Whether `name` is `csvName` itself or one of its partition logs (`metric_log.csv` → `metric_log.2.csv`). */
export const isPartitionLogOf = (csvName: string, name: string): boolean =>
  name === csvName || partitionOfFile(csvName, name) !== undefined;

export interface PartitionedLogReader extends MetricLogReader {
  /** Partition logs (`metric_log.<p>.csv`, not `metric_log.csv` itself) found by the latest read. */
  readonly partitions: number;
}

export function createPartitionedLogReader(
  csvFile: string,
  maxBytes: number = DEFAULT_MAX_BYTES_PER_TICK,
): PartitionedLogReader {
  const dir = dirname(csvFile);
  const name = basename(csvFile);
  let readers = new Map<string, MetricLogReader>();
  let partitions = 0;

  const files = async (): Promise<string[]> => {
    try {
      return (await readdir(dir)).filter((n) => isPartitionLogOf(name, n)).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException | null)?.code === 'ENOENT') return [];
      throw e;
    }
  };

  const readAll = async (): Promise<MetricLogChunk> => {
    const gained: MetricLogChunk['records'][] = [];
    let malformedRows = 0;
    let restarted = false;
    const found = await files();
    partitions = found.filter((f) => f !== name).length;
    for (const file of found) {
      let reader = readers.get(file);
      if (reader === undefined)
        readers.set(file, (reader = createMetricLogReader(join(dir, file), maxBytes)));
      const chunk = await reader.read();
      gained.push(chunk.records);
      malformedRows += chunk.malformedRows;
      restarted ||= chunk.restarted;
    }
    return { records: interleave(gained), malformedRows, restarted };
  };

  const read = serialise(async (): Promise<MetricLogChunk> => {
    const chunk = await readAll();
    if (!chunk.restarted) return chunk;
    // One log started over: the caller starts over, so every log is read again from its start.
    readers = new Map();
    const again = await readAll();
    return { ...again, restarted: true };
  });

  return {
    read,
    get partitions() {
      return partitions;
    },
    get offset() {
      let sum = 0;
      for (const r of readers.values()) sum += r.offset;
      return sum;
    },
  };
}
