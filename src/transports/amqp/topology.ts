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
 * - Queue type: work and dead-letter queues are classic, or quorum (replicated over a cluster's nodes). A quorum
 *   work queue also has a broker delivery limit well above our own retry count, and dead-letters to `t.dead_letter`
 *   when it is reached: a message whose every consumer dies before settling it still ends there, with the reason
 *   `delivery_limit`. Broadcast subscriber queues stay classic: quorum queues cannot be exclusive.
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

/** The RabbitMQ queue types the work and dead-letter queues may have. */
export const QUEUE_TYPES = ['classic', 'quorum'] as const;
export type QueueType = (typeof QUEUE_TYPES)[number];

/**
 * Deliveries after which a quorum queue dead-letters a message itself. Above the services' own limit (5 failed
 * attempts, then a dead letter with the error): it only catches messages whose consumers die before they settle.
 */
export const QUORUM_DELIVERY_LIMIT = 20;

/** Reason of a dead letter the broker made itself (quorum delivery limit), from its `x-first-death-reason`. */
const BROKER_DEATH_REASON = 'x-first-death-reason';

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

/**
 * The queue of a queue topic. Legacy: exactly pika's `queue_declare(queue=name)` (amqplib defaults to durable);
 * options.ts refuses legacy with quorum. `singleActive`: RabbitMQ's single active consumer, the broker delivering
 * to one consumer and handing over when it goes (a metric partition's queues).
 */
export function workQueueDeclaration(
  name: string,
  legacy: boolean,
  type: QueueType = 'classic',
  singleActive = false,
): QueueDeclaration {
  const sac = singleActive ? { 'x-single-active-consumer': true } : undefined;
  if (legacy)
    return {
      queue: name,
      options: { durable: false, exclusive: false, autoDelete: false, ...(sac ? { arguments: sac } : {}) },
    };
  const durable = { durable: true, exclusive: false, autoDelete: false };
  if (type === 'classic') return { queue: name, options: sac ? { ...durable, arguments: sac } : durable };
  return {
    queue: name,
    options: {
      ...durable,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': QUORUM_DELIVERY_LIMIT,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': deadLetterTopicName(name),
        ...sac,
      },
    },
  };
}

/**
 * Every queue a work queue topic needs, in the order to declare them: a quorum work queue dead-letters by itself
 * at its delivery limit, so its dead-letter queue comes first.
 */
export function workQueueDeclarations(
  name: string,
  legacy: boolean,
  type: QueueType = 'classic',
  singleActive = false,
): QueueDeclaration[] {
  const work = workQueueDeclaration(name, legacy, type, singleActive);
  return type === 'quorum' ? [deadLetterQueueDeclaration(name, type), work] : [work];
}

/** The dead-letter queue of a topic: always durable, since dead letters wait for a human. */
export function deadLetterQueueDeclaration(topicName: string, type: QueueType = 'classic'): QueueDeclaration {
  const durable = { durable: true, exclusive: false, autoDelete: false };
  return {
    queue: deadLetterTopicName(topicName),
    options: type === 'quorum' ? { ...durable, arguments: { 'x-queue-type': 'quorum' } } : durable,
  };
}

/** The type a declaration asks for, as a warning names it. */
export function queueTypeOf(d: QueueDeclaration): string {
  // amqplib types `arguments` as `any`.
  const args = d.options.arguments as Readonly<Record<string, unknown>> | undefined;
  const t = args?.['x-queue-type'];
  return typeof t === 'string' ? t : 'classic';
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

const text = (v: unknown): string | undefined =>
  // Long strings may arrive as bytes, depending on the publisher's client library.
  typeof v === 'string' ? v : v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : undefined;

/**
 * The reason of a dead letter, if it has one: ours, else the broker's, as `code: text` like ours (e.g.
 * `delivery_limit: …` from a quorum queue), so that `pipeline dead-letters` counts and picks it by its code.
 */
export function deadLetterReasonOf(properties: Partial<MessageProperties> | undefined): string | undefined {
  const headers = headersOf(properties);
  const ours = text(headers[HEADER_DEAD_LETTER_REASON]);
  if (ours !== undefined) return ours;
  const broker = text(headers[BROKER_DEATH_REASON]);
  return broker === undefined ? undefined : `${broker}: dead-lettered by RabbitMQ (${broker})`;
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
