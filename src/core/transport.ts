/**
 * The one interface every transport implements: in-memory, RabbitMQ (amqplib) and NATS.
 *
 * Contract (held by the shared conformance suite in test/transports/conformance.ts):
 *
 * - `publish(topic, envelope)` resolves once the transport has *taken* the message: queued in memory, confirmed
 *   by RabbitMQ (publisher confirms), acknowledged by JetStream, or written to the socket for core NATS. It does
 *   not resolve while the transport is full: a publisher that awaits it is held back (back-pressure) and never
 *   makes memory grow without bound. It rejects if the message cannot be taken (transport closed, encoding error).
 *
 * - `consume(topic, options)` returns a cold Observable of deliveries: subscribing starts a consumer, unsubscribing
 *   stops it. For a `queue` topic the consumers of one topic share its messages (work queue: each message is
 *   delivered to one consumer at a time); for a `broadcast` topic each subscriber gets every message published
 *   while it is subscribed. At most `prefetch` deliveries are outstanding (neither acked nor nacked) per consumer.
 *
 * - Every delivery must be settled exactly once: `ack()` after its effect is durable (the downstream publish has
 *   resolved, the CSV row is written), `nack()` to have it redelivered, or `deadLetter(reason)` to move it, with
 *   the reason, to the topic's dead-letter destination (and then ack it). A delivery that is never settled is
 *   redelivered when its consumer goes away (unsubscribe, crash, lost connection): delivery is at-least-once on
 *   every transport except core NATS, and consumers must absorb duplicates by id.
 *
 * - Settling a delivery whose channel has died is a no-op: the broker will redeliver it.
 *
 * - `close()` drains: consumers stop taking new messages, publishes under way are awaited, then connections close.
 *   It is idempotent. After it, `state$` completes with `closed`.
 */
import type { Observable } from 'rxjs';
import type { Envelope } from './envelope.js';
import type { Topic } from './topics.js';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface ConsumeOptions {
  /**
   * Most deliveries outstanding (not yet settled) for this consumer. It bounds memory, and it must exceed the
   * largest backlog a consumer holds unacked on purpose (the metric join).
   * @default DEFAULT_PREFETCH
   */
  readonly prefetch?: number;
  /**
   * The consuming service, for transports that name durable consumers (NATS JetStream) or queues per service.
   * Replicas of one service pass the same group and share the topic's messages.
   * @default the topic name
   */
  readonly group?: string;
}

export interface Delivery {
  readonly topic: string;
  /** The message exactly as it arrived: decoding and validation are the consumer's business. */
  readonly data: Uint8Array;
  /** True when the transport knows this message was delivered before. */
  readonly redelivered: boolean;
  /** 1 for a first delivery; higher when the transport counts redeliveries, 2 when it only knows "redelivered". */
  readonly deliveryCount: number;
  /**
   * The envelope as published, when the transport carries objects rather than bytes (memory), so a consumer can
   * skip parsing. It is NOT validated: consumers check it exactly as they check decoded bytes.
   */
  readonly envelope?: Envelope<unknown>;
  /** On deliveries read by `consumeDeadLetters` only: why the message was dead-lettered. */
  readonly deadLetterReason?: string;
  /** The effect of this message is durable: never deliver it again. */
  ack(): void;
  /** Processing failed: deliver it again (to this or another consumer). */
  nack(): void;
  /** Processing can never succeed: move it with `reason` to the dead-letter destination, then ack it. */
  deadLetter(reason: string): Promise<void>;
  /** Still working on it: keep the broker from redelivering it on an ack timeout (JetStream); a no-op elsewhere. */
  working(): void;
}

export interface Transport {
  /** A short name for logs and the dashboard: `memory`, `amqp`, `nats`, `nats-core`. */
  readonly name: string;
  /** Connection state; replays the current state to a new subscriber. */
  readonly state$: Observable<ConnectionState>;
  publish<B>(topic: Topic, envelope: Envelope<B>): Promise<void>;
  /**
   * Optional fast path: takes the message synchronously and returns true when the transport can do so at once
   * (memory, with room); returns false, having taken nothing, when the caller must use `publish` instead.
   * A true return means exactly what a resolved `publish` means.
   */
  tryPublish?<B>(topic: Topic, envelope: Envelope<B>): boolean;
  /** Publishes bytes as they are: for interoperability tests and for replaying dead letters. */
  publishRaw(topic: Topic, data: Uint8Array, messageId?: string): Promise<void>;
  /**
   * Publishes so far, by topic name, that could not be taken at once and waited for room (back-pressure), for
   * the metrics endpoint. The map is live: read it, do not keep it.
   */
  publishWaits?(): ReadonlyMap<string, number>;
  consume(topic: Topic, options?: ConsumeOptions): Observable<Delivery>;
  /** Reads the dead letters of `topic` (a queue: each dead letter is read once, by one reader). */
  consumeDeadLetters(topic: Topic, options?: ConsumeOptions): Observable<Delivery>;
  close(): Promise<void>;
}

/** Prefetch used when a consumer does not choose one. */
export const DEFAULT_PREFETCH = 256;

/** Thrown by a closed transport's publish. */
export class TransportClosedError extends Error {
  override readonly name = 'TransportClosedError';
  constructor(transport: string) {
    super(`${transport} transport is closed`);
  }
}
