/**
 * Partitioning the metric by record id: pure functions, the same in every process and every version, since a
 * producer and the metric that owns a partition must agree on where each id goes without talking to each other.
 *
 * - The partition of an id is FNV-1a (32 bit) of the id's UTF-8 string form (`String(id)`), modulo the count.
 * - With one partition nothing changes: the topics are `y_true` and `y_pred` and the log is `metric_log.csv`.
 * - With N > 1, partition p (0 ≤ p < N) has the queue topics `y_true.<p>` and `y_pred.<p>`, consumed by one
 *   metric at a time (`singleActiveConsumer`), and the log `metric_log.<p>.csv`.
 *
 * @example
 * ```ts
 * partitionOf('run-42', 3); // always the same partition, in every process
 * partitionTopic(Y_TRUE, 2, 3).name; // 'y_true.2'
 * ```
 */
import type { RecordId } from './envelope.js';
import { queueTopic, type Topic } from './topics.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const utf8 = new TextEncoder();

/** FNV-1a, 32 bit, over the UTF-8 bytes of `text`, as an unsigned integer. */
export function fnv1a32(text: string): number {
  let h = FNV_OFFSET;
  for (const byte of utf8.encode(text)) {
    h ^= byte;
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** The partition (0 … count-1) of a record id. `1` and `"1"` land together: both read "1". */
export const partitionOf = (id: RecordId, count: number): number => fnv1a32(String(id)) % count;

/** The queue topic of `topic`'s partition `p` of `count`: the topic itself when there is one partition. */
export function partitionTopic(topic: Topic, p: number, count: number): Topic {
  if (count === 1) return topic;
  return { ...queueTopic(`${topic.name}.${p}`), singleActiveConsumer: true };
}

/** Every partition topic of `topic`, in partition order. */
export const partitionTopics = (topic: Topic, count: number): Topic[] =>
  Array.from({ length: count }, (_, p) => partitionTopic(topic, p, count));

/**
 * A metric's output file for partition `p` of `count`: `name` itself for one partition, else `.<p>` before its
 * extension (`metric_summary.json` → `metric_summary.2.json`).
 */
export function partitionFileName(name: string, p: number, count: number): string {
  if (count === 1) return name;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}.${p}${name.slice(dot)}` : `${name}.${p}`;
}

/** The metric log of partition `p` of `count`: `metric_log.csv` for one partition, else `metric_log.<p>.csv`. */
export const metricLogName = (p: number, count: number): string =>
  partitionFileName('metric_log.csv', p, count);

/**
 * The ordinal at the end of a host name, as a Kubernetes StatefulSet names its pods (`metric-2` → 2), or
 * undefined when the name does not end in `-<digits>`.
 */
export function hostOrdinal(hostname: string): number | undefined {
  const m = /-(\d+)$/.exec(hostname.split('.')[0] ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * The partition a metric owns, from `--partition` (`auto` or an integer) and the host name; throws a RangeError
 * that says what is wrong when there is none that fits.
 */
export function resolvePartition(value: string, count: number, hostname: string): number {
  if (value === 'auto') {
    const p = hostOrdinal(hostname);
    if (p === undefined)
      throw new RangeError(
        `--partition auto needs a host name ending in -<ordinal> (e.g. metric-2); got '${hostname}'`,
      );
    if (p >= count)
      throw new RangeError(
        `--partition auto: host '${hostname}' has ordinal ${p}, but there are ${count} partitions`,
      );
    return p;
  }
  const p = Number(value);
  if (!/^\d+$/.test(value.trim()) || p >= count)
    throw new RangeError(`--partition must be 'auto' or an integer from 0 to ${count - 1}; got '${value}'`);
  return p;
}

/** The name of the lease a metric holds while it owns partition `p` (a RabbitMQ exclusive queue). */
export const partitionLeaseName = (p: number): string => `metric.partition.${p}.owner`;

/** The partition topic named `name` (`y_true.2`, `y_pred.0`), or undefined when `name` names none. */
export function partitionTopicNamed(name: string): Topic | undefined {
  const m = /^(y_true|y_pred)\.(\d+)$/.exec(name);
  return m ? { ...queueTopic(name), singleActiveConsumer: true } : undefined;
}
