/**
 * The NATS transport in core mode: plain core NATS subjects, the fastest option and at-most-once.
 *
 * What that means, plainly:
 * - a queue topic is a queue group per consume group; a message published while no consumer is subscribed
 *   goes nowhere, and messages in flight when a connection drops or a process dies are lost;
 * - `ack()` and `nack()` are local no-ops beyond freeing the delivery's prefetch slot: nothing is redelivered;
 * - publish resolves once the message is written to the connection; a flush round trip every `flushEvery`
 *   publishes holds a fast publisher back to the pace of the server (not of the consumers: a slow consumer
 *   buffers up to `slowConsumerBufferBytes`, then drops);
 * - dead letters are published on `<topic>.dead_letter` and reach only readers subscribed at that moment.
 * Use JetStream mode (the default) when a record must not be lost.
 */
import { publishEncoded } from '../publishEncoded.js';
import type { Observable } from 'rxjs';
import type { Envelope } from '../../core/envelope.js';
import { deadLetterTopicName, QUEUE_TOPICS, type Topic } from '../../core/topics.js';
import type { ConnectionState, ConsumeOptions, Delivery, Transport } from '../../core/transport.js';
import type { NatsContext } from './context.js';
import { capturingStreams, capturingStreamsWarning } from './capturingStreams.js';
import { CorePublisher } from './corePublisher.js';
import { coreSubscribe } from './coreSubscription.js';
import { deadLetterHeaders } from './deadLetter.js';
import { DEFAULT_DEAD_LETTER_GROUP } from './names.js';

export class CoreTransport implements Transport {
  readonly name = 'nats-core';
  readonly state$: Observable<ConnectionState>;

  publishWaits(): ReadonlyMap<string, number> {
    return this.ctx.waits.read();
  }
  private readonly core: CorePublisher;

  constructor(private readonly ctx: NatsContext) {
    this.state$ = ctx.conn.state$;
    this.core = new CorePublisher(ctx);
    void this.warnAboutCapturingStreams();
  }

  /** Once, on the first connection: see capturingStreams.ts. */
  private async warnAboutCapturingStreams(): Promise<void> {
    try {
      const nc = await this.ctx.conn.connected();
      const found = await capturingStreams(
        nc,
        QUEUE_TOPICS.map((t) => t.name),
      );
      if (found.length > 0) this.ctx.log('warn', capturingStreamsWarning(found));
    } catch {
      // closed before it connected: nothing to warn about
    }
  }

  publish<B>(topic: Topic, envelope: Envelope<B>): Promise<void> {
    return publishEncoded(envelope, (data) => this.publishRaw(topic, data));
  }

  /**
   * The synchronous path of `publish`: a core publish only appends to the connection's buffer, so a promise per
   * message (and a socket write per message, as each publish then ran in a microtask of its own) bought nothing.
   */
  tryPublish<B>(topic: Topic, envelope: Envelope<B>): boolean {
    return this.core.tryPublishEnvelope(topic.name, envelope);
  }

  /** Core NATS has no de-duplication: `messageId` is not used. */
  publishRaw(topic: Topic, data: Uint8Array, _messageId?: string): Promise<void> {
    return this.ctx.publish(data, () => this.core.publish(topic.name, data));
  }

  consume(topic: Topic, options: ConsumeOptions = {}): Observable<Delivery> {
    return coreSubscribe(this.ctx, {
      topic: topic.name,
      subject: topic.name,
      ...(topic.kind === 'queue' ? { queue: options.group ?? topic.name } : {}),
      prefetch: options.prefetch ?? this.ctx.o.prefetch,
      readsDeadLetters: false,
      deadLetter: (data, reason) =>
        this.ctx.track(
          this.core.publish(deadLetterTopicName(topic.name), data, deadLetterHeaders(reason, topic.name, 1)),
        ),
    });
  }

  /** Only dead letters published while this reader is subscribed arrive (core NATS stores nothing). */
  consumeDeadLetters(topic: Topic, options: ConsumeOptions = {}): Observable<Delivery> {
    return coreSubscribe(this.ctx, {
      topic: topic.name,
      subject: deadLetterTopicName(topic.name),
      queue: options.group ?? DEFAULT_DEAD_LETTER_GROUP,
      prefetch: options.prefetch ?? this.ctx.o.prefetch,
      readsDeadLetters: true,
      deadLetter: () => Promise.resolve(),
    });
  }

  close(): Promise<void> {
    return this.ctx.close();
  }
}
