/**
 * The NATS transport in JetStream mode: queue topics are durable work-queue streams read by durable pull
 * consumers (at-least-once, nothing lost by a crash or a server restart with its store); broadcast topics
 * (`metrics`, `status`) are plain core NATS subjects, because a dashboard must never hold the pipeline back:
 * a slow dashboard drops messages instead. Dead letters of every topic go to a JetStream stream, so they persist.
 */
import { publishEncoded } from '../publishEncoded.js';
import type { Observable } from 'rxjs';
import type { Envelope } from '../../core/envelope.js';
import type { Topic } from '../../core/topics.js';
import type { ConnectionState, ConsumeOptions, Delivery, Transport } from '../../core/transport.js';
import type { NatsContext } from './context.js';
import { CorePublisher } from './corePublisher.js';
import { coreSubscribe } from './coreSubscription.js';
import { deadLetterHeaders } from './deadLetter.js';
import { consumeJetStream } from './jetstreamConsumer.js';
import { JetStreamPublisher } from './jetstreamPublisher.js';
import { DEFAULT_DEAD_LETTER_GROUP } from './names.js';
import { JetStreamTopology } from './topology.js';

export class JetStreamTransport implements Transport {
  readonly name = 'nats';
  readonly state$: Observable<ConnectionState>;

  publishWaits(): ReadonlyMap<string, number> {
    return this.ctx.waits.read();
  }
  private readonly topology: JetStreamTopology;
  private readonly publisher: JetStreamPublisher;
  private readonly core: CorePublisher;

  constructor(private readonly ctx: NatsContext) {
    this.state$ = ctx.conn.state$;
    this.topology = new JetStreamTopology(ctx.o, ctx.log);
    this.publisher = new JetStreamPublisher(ctx, this.topology);
    this.core = new CorePublisher(ctx);
  }

  /** Publishes with the record id as JetStream message id, so a retried publish is stored once. */
  publish<B>(topic: Topic, envelope: Envelope<B>): Promise<void> {
    return publishEncoded(envelope, (data, id) => this.publishRaw(topic, data, id));
  }

  /** Broadcast topics only (plain core publishes, see `CoreTransport.tryPublish`); queue topics wait for a PubAck. */
  tryPublish<B>(topic: Topic, envelope: Envelope<B>): boolean {
    return topic.kind === 'broadcast' && this.core.tryPublishEnvelope(topic.name, envelope);
  }

  publishRaw(topic: Topic, data: Uint8Array, messageId?: string): Promise<void> {
    return this.ctx.publish(data, () =>
      topic.kind === 'broadcast'
        ? this.core.publish(topic.name, data)
        : this.publisher.publish(
            topic.name,
            'queue',
            data,
            messageId !== undefined ? { msgID: messageId } : {},
          ),
    );
  }

  consume(topic: Topic, options: ConsumeOptions = {}): Observable<Delivery> {
    const prefetch = options.prefetch ?? this.ctx.o.prefetch;
    if (topic.kind === 'broadcast')
      return coreSubscribe(this.ctx, {
        topic: topic.name,
        subject: topic.name,
        prefetch,
        readsDeadLetters: false,
        deadLetter: (data, reason) => this.storeDeadLetter(topic.name, data, reason, 1),
      });
    return consumeJetStream(this.ctx, this.topology, {
      topic: topic.name,
      kind: 'queue',
      group: options.group ?? topic.name,
      prefetch,
      deadLetter: (data, reason, count, msgID) =>
        this.storeDeadLetter(topic.name, data, reason, count, msgID),
    });
  }

  consumeDeadLetters(topic: Topic, options: ConsumeOptions = {}): Observable<Delivery> {
    return consumeJetStream(this.ctx, this.topology, {
      topic: topic.name,
      kind: 'deadLetter',
      group: options.group ?? DEFAULT_DEAD_LETTER_GROUP,
      prefetch: options.prefetch ?? this.ctx.o.prefetch,
      deadLetter: () => Promise.resolve(),
    });
  }

  close(): Promise<void> {
    return this.ctx.close();
  }

  private storeDeadLetter(
    topic: string,
    data: Uint8Array,
    reason: string,
    deliveryCount: number,
    msgID?: string,
  ): Promise<void> {
    const headers = deadLetterHeaders(reason, topic, deliveryCount);
    return this.ctx.track(
      this.publisher.publish(topic, 'deadLetter', data, {
        headers,
        ...(msgID !== undefined ? { msgID } : {}),
      }),
    );
  }
}
