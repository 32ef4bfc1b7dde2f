/**
 * The pipeline's topics. Names are the wire contract shared with the original Python services:
 * RabbitMQ queues / routing keys and NATS subjects are exactly these strings.
 */

/**
 * How a topic distributes its messages.
 * - `queue`: work-queue semantics. Messages wait until a consumer takes them; the consumers of one topic
 *   share its messages (each message goes to one of them); messages survive the absence of consumers.
 * - `broadcast`: every subscriber gets every message published while it is subscribed; with no subscriber a
 *   message goes nowhere. Used for dashboards, which must never push back on the pipeline.
 */
export type TopicKind = 'queue' | 'broadcast';

export interface Topic {
  readonly name: string;
  readonly kind: TopicKind;
  /**
   * Queue topics only: at most one consumer takes its messages at a time; the others wait and take over when it
   * goes (a metric partition's topics: see partitions.ts). @default false
   */
  readonly singleActiveConsumer?: boolean;
}

export const queueTopic = (name: string): Topic => ({ name, kind: 'queue' });
export const broadcastTopic = (name: string): Topic => ({ name, kind: 'broadcast' });

/** Feature vectors, published by `features`, consumed by `model`. */
export const FEATURES = queueTopic('features');
/** True targets, published by `features`, consumed by `metric`. */
export const Y_TRUE = queueTopic('y_true');
/** Predictions, published by `model`, consumed by `metric`. */
export const Y_PRED = queueTopic('y_pred');
/** The work queues of the pipeline, the wire contract's three names. */
export const QUEUE_TOPICS: readonly Topic[] = [FEATURES, Y_TRUE, Y_PRED];
/** Every joined record, published by `metric`, for dashboards. */
export const METRICS = broadcastTopic('metrics');
/** Periodic status of each service (counters, join buffer, dead letters), for dashboards. */
export const STATUS = broadcastTopic('status');

/** Where a transport puts the messages of `topic` that could not be processed, with the reason. */
export const deadLetterTopicName = (topic: string): string => `${topic}.dead_letter`;
/** Bin counts of the model replicas' drift windows, published by `model`, merged by `metric` (see DriftBody). */
export const DRIFT = broadcastTopic('drift');
/** The metric's quality summary (the same document as metric_summary.json), about once a second, for dashboards. */
export const SUMMARY = broadcastTopic('summary');
/** One message per alert that starts or stops firing, published by `metric` (see AlertEventBody). */
export const ALERTS = broadcastTopic('alerts');
