/**
 * Follows a metric log and its partition logs as one: `metric_log.csv` and every `metric_log.<p>.csv` beside it
 * (the logs of a metric split by record id, see docs/partitions.md). Each file is followed by its own
 * `createMetricLogReader`; the folder is listed on every read, so a partition log that appears later is picked
 * up. Records of one read come file by file, so rows of different partitions are not in time order.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { serialise } from '../core/serialise.js';
import {
  createMetricLogReader,
  DEFAULT_MAX_BYTES_PER_TICK,
  type MetricLogChunk,
  type MetricLogReader,
} from './metricLogReader.js';

/** Whether `name` is `csvName` itself or one of its partition logs (`metric_log.csv` → `metric_log.2.csv`). */
export function isPartitionLogOf(csvName: string, name: string): boolean {
  if (name === csvName) return true;
  const dot = csvName.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [csvName.slice(0, dot), csvName.slice(dot)] : [csvName, ''];
  if (!name.startsWith(`${stem}.`) || !name.endsWith(ext)) return false;
  return /^\d+$/.test(name.slice(stem.length + 1, name.length - ext.length));
}

export function createPartitionedLogReader(
  csvFile: string,
  maxBytes: number = DEFAULT_MAX_BYTES_PER_TICK,
): MetricLogReader {
  const dir = dirname(csvFile);
  const name = basename(csvFile);
  let readers = new Map<string, MetricLogReader>();

  const files = async (): Promise<string[]> => {
    try {
      return (await readdir(dir)).filter((n) => isPartitionLogOf(name, n)).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException | null)?.code === 'ENOENT') return [];
      throw e;
    }
  };

  const readAll = async (): Promise<MetricLogChunk> => {
    const records: MetricLogChunk['records'] = [];
    let malformedRows = 0;
    let restarted = false;
    for (const file of await files()) {
      let reader = readers.get(file);
      if (reader === undefined)
        readers.set(file, (reader = createMetricLogReader(join(dir, file), maxBytes)));
      const chunk = await reader.read();
      for (const r of chunk.records) records.push(r);
      malformedRows += chunk.malformedRows;
      restarted ||= chunk.restarted;
    }
    return { records, malformedRows, restarted };
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
    get offset() {
      let sum = 0;
      for (const r of readers.values()) sum += r.offset;
      return sum;
    },
  };
}
