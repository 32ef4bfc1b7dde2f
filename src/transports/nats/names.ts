/**
 * JetStream names and configurations for the pipeline's topics. Pure: no I/O, unit-tested without a server.
 *
 * Topology: one work-queue stream per queue topic (subject `pipeline.<topic>`), plus one dead-letter stream per
 * topic (subject `pipeline.<topic>.dead_letter`). The streams' subjects carry a prefix of their own because a
 * stream stores every message published on its subjects: on the bare topic names (`features`…, the subjects of
 * core mode) a core-mode run would pile its records up in the streams and the next JetStream run would process
 * them again. Older versions used the bare names; legacySubjects.ts moves such streams over.
 * Why one stream per topic rather than one stream with several subjects:
 * - de-duplication is per stream, and one record id is published on several topics (`features`, `y_true` and
 *   `y_pred` all carry the record's id): in a shared stream the second of them would be dropped as a duplicate;
 * - a work-queue stream allows one consumer per subject, and its limits (backlog, discard: new for
 *   back-pressure) are per topic, so a backlog on one topic never blocks publishers of another;
 * - a topic can be purged or inspected on its own.
 * Why work-queue retention: a queue topic has exactly the semantics of a RabbitMQ queue named after it (the
 * consumers of the topic share its messages; a message lives until one of them acks it), storage is bounded by
 * the backlog instead of by age, and "discard: new" turns a full stream into back-pressure on publishers. The
 * price: one consume group per topic; a second group gets a clear error instead of silently splitting messages.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  nanos,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type StreamConfig,
} from 'nats';
import { deadLetterTopicName } from '../../core/topics.js';
import type { ResolvedNatsOptions } from './options.js';

/** Streams and consumers hold either a topic's messages or its dead letters. */
export type StreamKind = 'queue' | 'deadLetter';

/** FNV-1a, for a short stable suffix that keeps sanitised names distinct. */
const fnv1a = (s: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
};

/**
 * A JetStream stream or consumer name for `raw`: names may not contain `.`, `*`, `>`, whitespace or path
 * separators. Other characters become `_`, and a hash of the original is appended whenever something was
 * replaced, so that `a.b` and `a_b` stay two names.
 */
export function safeName(raw: string): string {
  if (raw === '') throw new Error('a JetStream name cannot be empty');
  const cleaned = raw.replace(/[^A-Za-z0-9_-]/g, '_');
  return cleaned === raw ? raw : `${cleaned}_${fnv1a(raw)}`;
}

/** What JetStream mode puts before a topic's name to make its subject (core mode uses the bare name). */
export const JETSTREAM_SUBJECT_PREFIX = 'pipeline.';

/** The subject the stream of `kind` of `topic` stores, and JetStream mode publishes to. */
export const subjectOf = (topic: string, kind: StreamKind): string =>
  `${JETSTREAM_SUBJECT_PREFIX}${legacySubjectOf(topic, kind)}`;

/**
 * The subject older versions gave that stream: the bare topic name, which core mode publishes on. A stream that
 * still captures it is moved to `subjectOf` at start (legacySubjects.ts).
 */
export const legacySubjectOf = (topic: string, kind: StreamKind): string =>
  kind === 'queue' ? topic : deadLetterTopicName(topic);

export const streamName = (prefix: string, topic: string, kind: StreamKind): string =>
  safeName(`${prefix}${topic}${kind === 'queue' ? '' : '_dead_letter'}`);

/** Durable consumer name for a consume group (replicas of one service share it). */
export const durableName = (prefix: string, group: string): string => safeName(`${prefix}${group}`);

/** Group of a dead-letter reader that does not choose one. */
export const DEFAULT_DEAD_LETTER_GROUP = 'dead_letters';

type StreamOptions = Pick<
  ResolvedNatsOptions,
  | 'streamPrefix'
  | 'maxBacklogMessages'
  | 'maxBacklogBytes'
  | 'maxMessageBytes'
  | 'duplicateWindowMs'
  | 'maxDeadLetters'
  | 'replicas'
>;

/** Room for the dead-letter headers on top of the original message. */
const DEAD_LETTER_HEADER_ROOM = 8 * 1024;

/** The stream holding `topic`'s messages (`queue`) or its dead letters. */
export function streamConfig(topic: string, kind: StreamKind, o: StreamOptions): Partial<StreamConfig> {
  const common = {
    name: streamName(o.streamPrefix, topic, kind),
    subjects: [subjectOf(topic, kind)],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    num_replicas: o.replicas,
    max_age: 0,
    duplicate_window: nanos(o.duplicateWindowMs),
  };
  if (kind === 'queue') {
    return {
      ...common,
      description: `rx-ml-pipeline work queue of topic ${topic}`,
      // discard: new makes a full stream refuse publishes, which the publisher turns into waiting.
      discard: DiscardPolicy.New,
      max_msgs: o.maxBacklogMessages,
      max_bytes: o.maxBacklogBytes,
      max_msg_size: o.maxMessageBytes,
    };
  }
  return {
    ...common,
    description: `rx-ml-pipeline dead letters of topic ${topic}`,
    // A full dead-letter stream must never block deadLetter() (the message would loop): drop the oldest.
    discard: DiscardPolicy.Old,
    max_msgs: o.maxDeadLetters,
    max_bytes: -1,
    max_msg_size: o.maxMessageBytes + DEAD_LETTER_HEADER_ROOM,
  };
}

/** The limits `ensure` keeps in line on an existing stream (all updatable in place). */
const STREAM_UPDATABLE = ['max_msgs', 'max_bytes', 'max_msg_size', 'duplicate_window', 'discard'] as const;

/**
 * The fields among `keys` in which `wanted` differs from `existing` (a field `wanted` leaves out is kept as it
 * is), or undefined when there are none.
 */
function updateOf<C extends object>(
  keys: readonly (keyof C)[],
  existing: Partial<C>,
  wanted: Partial<C>,
): Partial<C> | undefined {
  const diff: Partial<C> = {};
  for (const k of keys) if (wanted[k] !== undefined && existing[k] !== wanted[k]) diff[k] = wanted[k];
  return Object.keys(diff).length === 0 ? undefined : diff;
}

/** The update that brings an existing stream in line with `wanted`, or undefined when it is as wanted. */
export const streamUpdate = (
  existing: Partial<StreamConfig>,
  wanted: Partial<StreamConfig>,
): Partial<StreamConfig> | undefined => updateOf(STREAM_UPDATABLE, existing, wanted);

type ConsumerOptions = Pick<ResolvedNatsOptions, 'consumerPrefix' | 'ackWaitMs' | 'maxDeliver'>;

/**
 * A durable pull consumer shared by the replicas of `group`. `max_ack_pending = prefetch` makes the server
 * bound the deliveries outstanding (a pull consumer's client buffer is refilled on receipt, not on ack, so the
 * server is what holds the bound); replicas of a group share that window.
 */
export function consumerConfig(
  topic: string,
  kind: StreamKind,
  group: string,
  prefetch: number,
  o: ConsumerOptions,
): Partial<ConsumerConfig> & { durable_name: string } {
  return {
    durable_name: durableName(o.consumerPrefix, group),
    description: `rx-ml-pipeline group ${group} on ${subjectOf(topic, kind)}`,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    filter_subject: subjectOf(topic, kind),
    ack_wait: nanos(o.ackWaitMs),
    max_deliver: o.maxDeliver,
    max_ack_pending: prefetch,
  };
}

const CONSUMER_UPDATABLE = ['ack_wait', 'max_deliver', 'max_ack_pending', 'description'] as const;

/** The update that brings an existing consumer in line with `wanted`, or undefined when it is as wanted. */
export const consumerUpdate = (
  existing: Partial<ConsumerConfig>,
  wanted: Partial<ConsumerConfig>,
): Partial<ConsumerConfig> | undefined => updateOf(CONSUMER_UPDATABLE, existing, wanted);

/** Delay before a nacked message comes back: short at first, longer for a message that keeps failing. */
export const redeliveryDelayMs = (deliveryCount: number): number =>
  Math.min(10_000, 100 * 2 ** Math.max(0, Math.min(deliveryCount, 20) - 1));

/** Message id of a dead letter: the original's place in its stream, so a retried dead-lettering is absorbed. */
export const deadLetterMsgId = (stream: string, streamSequence: number): string =>
  `${stream}:${streamSequence}`;
