/**
 * The RabbitMQ topology and message properties of the wire contract, as pure functions (tested without a broker).
 *
 * - Queue topics (`features`, `y_true`, `y_pred`): the default exchange `''`, routing key = queue name = topic
 *   name. One queue per topic, shared by every replica of its consuming service (work queue). Durable, unless
 *   `legacyQueues` asks for the plain non-durable queues the original pika scripts declare.
 * - Broadcast topics (`metrics`, `status`): a fanout exchange named after the topic. Each subscriber binds its own
 *   exclusive, auto-delete, server-named queue, capped by `x-max-length` with `x-overflow: drop-head`: a slow
 *   dashboard loses its oldest messages and never pushes back on the pipeline.
 * - Dead letters of topic `t`: the durable queue `t.dead_letter`, each message with its reason in a header.
 */
import type { MessageProperties, Options } from 'amqplib';
import { deadLetterTopicName, type Topic } from '../../core/topics.js';

/** Header counting deliveries of a message that was nacked and republished (a copy with n+1). */
export const HEADER_ATTEMPTS = 'x-attempts';
/** Header of a dead letter: why it could not be processed. */
export const HEADER_DEAD_LETTER_REASON = 'x-dead-letter-reason';
/** Header of a dead letter: the topic it was first published to. */
export const HEADER_ORIGINAL_TOPIC = 'x-original-topic';

export const CONTENT_TYPE = 'application/json';

export interface QueueDeclaration {
  /** `''` asks the broker to choose a name. */
  readonly queue: string;
  readonly options: Options.AssertQueue;
}

export interface ExchangeDeclaration {
  readonly exchange: string;
  readonly type: 'fanout';
  readonly options: Options.AssertExchange;
}

/** Where a message for a topic is published. */
export interface PublishTarget {
  readonly exchange: string;
  readonly routingKey: string;
}

/** The queue of a queue topic. Legacy: exactly pika's `queue_declare(queue=name)` (amqplib defaults to durable). */
export function workQueueDeclaration(name: string, legacy: boolean, singleActive = false): QueueDeclaration {
  const d: QueueDeclaration = legacy
    ? { queue: name, options: { durable: false, exclusive: false, autoDelete: false } }
    : { queue: name, options: { durable: true, exclusive: false, autoDelete: false } };
  // RabbitMQ's single active consumer: the broker delivers to one consumer and hands over when it goes.
  return singleActive
    ? { ...d, options: { ...d.options, arguments: { 'x-single-active-consumer': true } } }
    : d;
}

/** The dead-letter queue of a topic: always durable, since dead letters wait for a human. */
export function deadLetterQueueDeclaration(topicName: string): QueueDeclaration {
  return {
    queue: deadLetterTopicName(topicName),
    options: { durable: true, exclusive: false, autoDelete: false },
  };
}

/** The fanout exchange of a broadcast topic. Durable so that it outlives a broker restart with its publishers. */
export function broadcastExchangeDeclaration(name: string): ExchangeDeclaration {
  return { exchange: name, type: 'fanout', options: { durable: true, autoDelete: false } };
}

/**
 * Most bytes a broadcast subscriber's queue holds. A `metrics` message carries a batch of up to 500 records, so a
 * cap in messages alone would let a stalled dashboard's queue grow to hundreds of MB on the broker.
 */
export const SUBSCRIBER_QUEUE_MAX_BYTES = 64 * 1024 * 1024;

/** One broadcast subscriber's own queue: gone with its connection, oldest message dropped when full. */
export function subscriberQueueDeclaration(maxLength: number): QueueDeclaration {
  return {
    queue: '',
    options: {
      durable: false,
      exclusive: true,
      autoDelete: true,
      arguments: {
        'x-max-length': maxLength,
        'x-max-length-bytes': SUBSCRIBER_QUEUE_MAX_BYTES,
        'x-overflow': 'drop-head',
      },
    },
  };
}

export function publishTarget(topic: Topic): PublishTarget {
  return topic.kind === 'queue'
    ? { exchange: '', routingKey: topic.name }
    : { exchange: topic.name, routingKey: '' };
}

/** The default exchange routes by queue name: how a copy is put back on the very queue it came from. */
export function queueTarget(queue: string): PublishTarget {
  return { exchange: '', routingKey: queue };
}

/** Properties of a message we publish: JSON, persistent (survives a broker restart in a durable queue), its id. */
export function publishProperties(messageId: string | undefined): Options.Publish {
  const props: Options.Publish = { contentType: CONTENT_TYPE, persistent: true };
  if (messageId !== undefined) props.messageId = messageId;
  return props;
}

const headersOf = (properties: Partial<MessageProperties> | undefined): Record<string, unknown> =>
  properties?.headers ?? {};

const positiveInteger = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
};

/**
 * How many times this message has been delivered: `x-attempts` (set on the copies `nack` republishes; 1 when
 * absent, as on pika's messages) plus the broker's own count: `x-delivery-count` of quorum queues, or 1 more when
 * only the `redelivered` flag says a consumer died holding it.
 */
export function deliveryCountOf(
  properties: Partial<MessageProperties> | undefined,
  redelivered: boolean,
): number {
  const headers = headersOf(properties);
  const attempts = positiveInteger(headers[HEADER_ATTEMPTS]) ?? 1;
  const brokerCount = positiveInteger(headers['x-delivery-count']);
  return attempts + (brokerCount ?? (redelivered ? 1 : 0));
}

/** The reason of a dead letter, if it has one. */
export function deadLetterReasonOf(properties: Partial<MessageProperties> | undefined): string | undefined {
  const reason = headersOf(properties)[HEADER_DEAD_LETTER_REASON];
  if (typeof reason === 'string') return reason;
  // Long strings may arrive as bytes, depending on the publisher's client library.
  return reason instanceof Uint8Array ? Buffer.from(reason).toString('utf8') : undefined;
}

/** The string properties a copy carries over (amqplib types them `any`: each is checked before it is copied). */
const CARRIED_STRINGS = [
  'contentType',
  'contentEncoding',
  'messageId',
  'correlationId',
  'type',
  'appId',
] as const;
/** The numeric properties a copy carries over. */
const CARRIED_NUMBERS = ['timestamp', 'priority'] as const;

/** The properties worth carrying over when a message is copied elsewhere (fields amqplib accepts on publish). */
function carriedProperties(p: Partial<MessageProperties> | undefined): Options.Publish {
  const out: Options.Publish = {};
  if (!p) return out;
  for (const k of CARRIED_STRINGS) {
    const v: unknown = p[k];
    if (typeof v === 'string') out[k] = v;
  }
  for (const k of CARRIED_NUMBERS) {
    const v: unknown = p[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}

/** A copy is a new message to the broker: its delivery count starts again, and `x-attempts` carries it over. */
function copiedHeaders(p: Partial<MessageProperties> | undefined): Record<string, unknown> {
  const { 'x-delivery-count': _count, ...rest } = headersOf(p);
  return rest;
}

/**
 * Properties of the copy `nack` republishes: the original's, persistent, with `x-attempts` set to the delivery
 * number the copy will have.
 */
export function retryProperties(
  original: Partial<MessageProperties> | undefined,
  deliveryCount: number,
): Options.Publish {
  return {
    ...carriedProperties(original),
    persistent: true,
    headers: { ...copiedHeaders(original), [HEADER_ATTEMPTS]: deliveryCount + 1 },
  };
}

/** Properties of a dead letter: the original's, with why and where from. */
export function deadLetterProperties(
  original: Partial<MessageProperties> | undefined,
  reason: string,
  originalTopic: string,
): Options.Publish {
  return {
    ...carriedProperties(original),
    persistent: true,
    headers: {
      [HEADER_ORIGINAL_TOPIC]: originalTopic,
      ...copiedHeaders(original),
      [HEADER_DEAD_LETTER_REASON]: reason,
    },
  };
}

/** Whether an amqplib error is the broker refusing a declaration that differs from the existing one. */
export function isPreconditionFailed(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 406;
}
