/**
 * The RabbitMQ transport: the `Transport` contract over one recovering amqplib connection, wire-compatible with the
 * original pika services (see topology.ts for queues, exchanges and properties).
 */
import { publishEncoded } from '../publishEncoded.js';
import type { Options } from 'amqplib';
import type { Observable } from 'rxjs';
import type { Envelope } from '../../core/envelope.js';
import type { Topic } from '../../core/topics.js';
import {
  TransportClosedError,
  type ConnectionState,
  type ConsumeOptions,
  type Delivery,
  type Transport,
} from '../../core/transport.js';
import type { AmqpConnection, Generation } from './connection.js';
import { consumeQueue, type ConsumerHandle, type ConsumerSpec } from './consumer.js';
import { Declarer } from './declare.js';
import type { DeliveryActions } from './delivery.js';
import type { Logger } from '../../core/log.js';
import type { ResolvedAmqpOptions } from './options.js';
import { Publisher } from './publisher.js';
import { PublishWaits } from '../publishWaits.js';
import {
  broadcastExchangeDeclaration,
  deadLetterQueueDeclaration,
  publishProperties,
  publishTarget,
  queueTarget,
  subscriberQueueDeclaration,
  workQueueDeclarations,
} from './topology.js';

const asBuffer = (data: Uint8Array): Buffer =>
  Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

export class AmqpTransport implements Transport {
  readonly name = 'amqp';
  readonly state$: Observable<ConnectionState>;
  private readonly declarer: Declarer;
  private readonly publisher: Publisher;
  private readonly waits = new PublishWaits();
  readonly publishWaits = this.waits.read;
  private readonly actions: DeliveryActions;
  /** Every publish under way, including the copies nack and deadLetter make: close() waits for them. */
  private readonly pending = new Set<Promise<void>>();
  private readonly consumers = new Set<ConsumerHandle>();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly conn: AmqpConnection,
    private readonly options: ResolvedAmqpOptions,
    private readonly log: Logger,
  ) {
    this.state$ = conn.state$;
    this.declarer = new Declarer(log);
    this.publisher = new Publisher(conn, log, this.waits);
    this.actions = {
      log,
      republish: (queue, content, props) =>
        this.track(this.publisher.send(queueTarget(queue), content, props)),
      deadLetter: (topicName, content, props) => this.sendDeadLetter(topicName, content, props),
    };
  }

  publish<B>(topic: Topic, envelope: Envelope<B>): Promise<void> {
    return publishEncoded(envelope, (data, id) => this.publishRaw(topic, data, id));
  }

  publishRaw(topic: Topic, data: Uint8Array, messageId?: string): Promise<void> {
    if (this.closed) return Promise.reject(new TransportClosedError(this.name));
    const max = this.options.maxMessageBytes;
    if (data.byteLength > max)
      return Promise.reject(
        new RangeError(`message is ${data.byteLength} bytes; at most ${max} may be published`),
      );
    const prepare = (g: Generation, retry: boolean): Promise<void> => this.declareFor(g, topic, retry);
    const sent = this.publisher.send(
      publishTarget(topic),
      asBuffer(data),
      publishProperties(messageId),
      prepare,
    );
    return this.track(sent);
  }

  consume(topic: Topic, options: ConsumeOptions = {}): Observable<Delivery> {
    const name = topic.name;
    const declare: ConsumerSpec['declare'] =
      topic.kind === 'queue'
        ? async (g) => {
            await this.declareWorkQueue(g, name, topic.singleActiveConsumer);
            return name;
          }
        : async (g, ch) => {
            await this.declarer.exchange(g, broadcastExchangeDeclaration(name));
            const d = subscriberQueueDeclaration(this.options.broadcastMaxLength);
            // Exclusive to this connection: declared on the consumer's own channel, gone when it closes.
            const { queue } = await ch.assertQueue(d.queue, d.options);
            await ch.bindQueue(queue, name, '');
            return queue;
          };
    // `group` names nothing here: all replicas share the one queue named after the topic, as the originals do.
    return this.consumer(options, {
      topicName: name,
      isDeadLetter: false,
      declare,
      onCancelled: () => this.declarer.forget(topic.kind === 'queue' ? `queue:${name}` : `exchange:${name}`),
    });
  }

  consumeDeadLetters(topic: Topic, options: ConsumeOptions = {}): Observable<Delivery> {
    const d = deadLetterQueueDeclaration(topic.name, this.options.queueType);
    return this.consumer(options, {
      // As the queue is named: dead-lettering a dead letter again then moves it on, never back where it is read.
      topicName: d.queue,
      isDeadLetter: true,
      declare: async (g) => {
        await this.declarer.queue(g, d);
        return d.queue;
      },
      onCancelled: () => this.declarer.forget(`queue:${d.queue}`),
    });
  }

  /**
   * Drains and closes: consumers stop taking messages, publishes under way are awaited (at most `closeTimeoutMs`),
   * consumer streams complete (their unsettled deliveries go back to the broker), then the connection closes.
   * Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      await Promise.all([...this.consumers].map((c) => c.stopIntake()));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>(
        (r) => (timer = setTimeout(() => r('timeout'), this.options.closeTimeoutMs)),
      );
      const drained = Promise.allSettled([...this.pending]).then(() => 'drained' as const);
      const outcome = await Promise.race([drained, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout')
        this.log(
          'warn',
          `closing with ${this.pending.size} publishes unconfirmed after ${this.options.closeTimeoutMs} ms`,
        );
      // Lets acks that follow the publishes just confirmed reach the channel before it closes.
      await new Promise((r) => setImmediate(r));
      for (const c of [...this.consumers]) c.finish();
      await this.conn.close();
    })();
    return this.closing;
  }

  private consumer(options: ConsumeOptions, spec: Omit<ConsumerSpec, 'prefetch'>): Observable<Delivery> {
    const prefetch = Math.max(1, Math.floor(options.prefetch ?? this.options.prefetch));
    return consumeQueue(this.conn, { ...spec, prefetch }, this.actions, this.consumers);
  }

  private declareFor(g: Generation, topic: Topic, retry: boolean): Promise<void> {
    if (topic.kind === 'queue') {
      if (retry) this.declarer.forget(`queue:${topic.name}`);
      return this.declareWorkQueue(g, topic.name, topic.singleActiveConsumer);
    }
    if (retry) this.declarer.forget(`exchange:${topic.name}`);
    return this.declarer.exchange(g, broadcastExchangeDeclaration(topic.name));
  }

  private async declareWorkQueue(g: Generation, name: string, singleActive = false): Promise<void> {
    const { legacyQueues, queueType } = this.options;
    for (const d of workQueueDeclarations(name, legacyQueues, queueType, singleActive))
      await this.declarer.queue(g, d);
  }

  private sendDeadLetter(topicName: string, content: Buffer, props: Options.Publish): Promise<void> {
    const d = deadLetterQueueDeclaration(topicName, this.options.queueType);
    const prepare = (g: Generation, retry: boolean): Promise<void> => {
      if (retry) this.declarer.forget(`queue:${d.queue}`);
      return this.declarer.queue(g, d);
    };
    return this.track(this.publisher.send(queueTarget(d.queue), content, props, prepare));
  }

  private track(p: Promise<void>): Promise<void> {
    this.pending.add(p);
    const done = (): void => {
      this.pending.delete(p);
    };
    // The caller gets the rejection; this branch only keeps the bookkeeping from raising it a second time.
    p.then(done, done);
    return p;
  }
}
