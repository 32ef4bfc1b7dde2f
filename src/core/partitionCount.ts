/**
 * How a service tells, at start, whether the pipeline on the broker has another number of partitions than its
 * own --partitions: pure rules over which partition topics exist. The broker is asked by src/cli/partitionCheck.ts.
 *
 * Two facts make the topics speak:
 * - A pipeline of N partitions never creates the topics of partition N (`y_true.<N>`, `y_pred.<N>`): finding
 *   them means a pipeline with more partitions.
 * - Every service of a pipeline of N > 1 partitions declares all N partitions' topics at start, partition N−1
 *   first and 0 last (`partitionTopicsToDeclare`). So `y_true.0` without `y_true.<N−1>` was not made by a
 *   pipeline of N: it means one with fewer partitions.
 *
 * The second rule holds against services of the same N starting at the same time only if the broker is asked
 * about partition 0 before partition N−1 (`partitionCountProbes` is in that order): whoever made `y_true.0` had
 * made `y_true.<N−1>` before, so it is there by the time it is asked about.
 *
 * @example
 * ```ts
 * partitionCountProbes(3); // ['y_true.0', 'y_pred.0', 'y_true.2', 'y_pred.2', 'y_true.3', 'y_pred.3']
 * partitionCountMismatch(3, new Set(['y_true.0', 'y_true.1'])); // { kind: 'fewer', found: 'y_true.0', missing: 'y_true.2' }
 * ```
 */
import { partitionTopic } from './partitions.js';
import { Y_PRED, Y_TRUE, type Topic } from './topics.js';

const PARTITIONED = [Y_TRUE, Y_PRED] as const;
const nameOf = (topic: Topic, p: number): string => `${topic.name}.${p}`;

/** What was found that another number of partitions made, or undefined when nothing speaks against `count`. */
export type PartitionCountMismatch =
  | { readonly kind: 'more'; readonly found: readonly string[] }
  | { readonly kind: 'fewer'; readonly found: string; readonly missing: string };

/**
 * The partition topics whose existence the check asks about, in the order it must ask (partition 0 before
 * partition N−1: see the module's comment). With one partition only the topics of partition 1: the plain
 * `y_true` and `y_pred` of the wire contract may be left over from any earlier run and tell nothing.
 */
export function partitionCountProbes(count: number): string[] {
  const of = (p: number): string[] => PARTITIONED.map((t) => nameOf(t, p));
  return count === 1 ? of(1) : [...of(0), ...of(count - 1), ...of(count)];
}

/** What the topics that exist (among the probes) say against `count` partitions. */
export function partitionCountMismatch(
  count: number,
  existing: ReadonlySet<string>,
): PartitionCountMismatch | undefined {
  const more = PARTITIONED.map((t) => nameOf(t, count)).filter((name) => existing.has(name));
  if (more.length > 0) return { kind: 'more', found: more };
  if (count === 1) return undefined;
  for (const t of PARTITIONED) {
    const [first, last] = [nameOf(t, 0), nameOf(t, count - 1)];
    if (existing.has(first) && !existing.has(last)) return { kind: 'fewer', found: first, missing: last };
  }
  return undefined;
}

/**
 * The partition topics a service of `count` partitions declares at start, in the order it must declare them:
 * partition N−1 first, 0 last. None with one partition: the wire stays `y_true` and `y_pred`.
 */
export function partitionTopicsToDeclare(count: number): Topic[] {
  if (count === 1) return [];
  return Array.from({ length: count }, (_, i) => count - 1 - i).flatMap((p) =>
    PARTITIONED.map((t) => partitionTopic(t, p, count)),
  );
}

/** What a refused service says: what it found, what that means, and what to do. */
export function partitionCountMessage(count: number, mismatch: PartitionCountMismatch): string {
  const fix =
    'Start every service with the same --partitions (or delete the partition queues or streams of a pipeline ' +
    'that is gone: see docs/partitions.md).';
  return mismatch.kind === 'more'
    ? `--partitions ${count}, but the broker has ${mismatch.found.join(' and ')}: a pipeline with more ` +
        `partitions uses it. ${fix}`
    : `--partitions ${count}, but the broker has ${mismatch.found} and not ${mismatch.missing}: a pipeline with ` +
        `fewer partitions uses it. ${fix}`;
}
