/**
 * What services report as they work. Runners fold these into counters for the status line, the periodic status
 * message on the `status` topic and the dashboard: nothing is counted anywhere else.
 */
import type { RecordId } from '../core/envelope.js';
import type { MetricRecord } from '../core/metricsBody.js';

export type ServiceName = 'features' | 'model' | 'metric' | 'plot';

export type ServiceEvent =
  /** features: a record's feature vector and target were both taken by the transport. */
  | { readonly kind: 'published'; readonly id: RecordId }
  /** model: a prediction was published and its features message acked. */
  | { readonly kind: 'predicted'; readonly id: RecordId }
  /** metric: a row is durable in the CSV and both messages are acked. */
  | { readonly kind: 'joined'; readonly record: MetricRecord; readonly pending: number }
  /** metric: a message whose partner never came was dead-lettered as unmatched. */
  | {
      readonly kind: 'unmatched';
      readonly topic: string;
      readonly id: RecordId;
      readonly reason: string;
      readonly pending: number;
    }
  /** metric: a redelivered message whose row was already written was acked without a second row. */
  | { readonly kind: 'duplicate'; readonly topic: string; readonly pending: number }
  /** any: a message that can never be processed went to the dead-letter destination with its reason. */
  | {
      readonly kind: 'dead-lettered';
      readonly topic: string;
      /** The message's id, when it could be read (not from bytes that are not JSON, say). */
      readonly id?: RecordId;
      readonly code: string;
      readonly reason: string;
    }
  /** any: processing failed for a reason that may pass (e.g. a publish failed); the message was nacked. */
  | { readonly kind: 'retried'; readonly topic: string; readonly reason: string };

/** How many times a message may fail before it is dead-lettered instead of retried. */
export const MAX_ATTEMPTS = 5;
