/**
 * The in-memory transport: the demo default and a real transport, held to the same conformance suite as the
 * brokers. Queue topics are bounded work queues (publishers wait when full) shared by competing consumers with
 * prefetch, ack / nack and redelivery; broadcast topics give each subscriber its own bounded queue that drops its
 * oldest message rather than push back on the pipeline. Nothing survives the process: it is not persistent.
 *
 * Envelopes are carried by reference (consumers still validate them) and encoded to bytes only if a consumer
 * reads `data`, which keeps the one-process pipeline fast.
 */
import { PublishWaits } from '../publishWaits.js';
import { BehaviorSubject, Observable } from 'rxjs';
import { encodeEnvelope } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import { deadLetterTopicName, type Topic } from '../../core/topics.js';
import {
  DEFAULT_PREFETCH,
  TransportClosedError,
  type ConnectionState,
  type ConsumeOptions,
  type Delivery,
  type Transport,
} from '../../core/transport.js';
import { MemoryQueue, type QueueConsumer, type StoredMessage } from './memoryQueue.js';

export interface MemoryTransportOptions {
  /**
   * Messages a queue topic holds, not counting those delivered and unsettled, before publishers wait.
   * @default 10_000
   */
  readonly capacity?: number;
  /**
   * Messages a broadcast subscriber holds before its oldest is dropped (a slow dashboard never slows the pipeline).
   * A `metrics` message carries up to 500 records, so 1,000 messages bound a stalled dashboard's backlog.
   * @default 1_000
   */
  readonly broadcastCapacity?: number;
}

/** One settled promise for every message taken at once: no allocation per publish. */
const RESOLVED: Promise<void> = Promise.resolve();

export const MEMORY_DEFAULTS = { capacity: 10_000, broadcastCapacity: 1_000 } as const;

const NON_FINITE = /"\\u0000non-finite:(NaN|Infinity|-Infinity)"/g;

/**
 * The bytes of an envelope carried by reference. One holding a number JSON cannot carry (a producer's bug) is
 * spelt as Python's json.dumps spells it, as a broker would have carried it: reading `data` never throws, so such
 * a message can still be dead-lettered, and consumers refuse it as `not_json`.
 */
function encodeStored(envelope: Envelope<unknown>): Uint8Array {
  try {
    return encodeEnvelope(envelope);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const json = JSON.stringify({ id: envelope.id, body: envelope.body }, (_k, v: unknown) =>
      typeof v === 'number' && !Number.isFinite(v) ? `\u0000non-finite:${v}` : v,
    );
    return new TextEncoder().encode(json.replace(NON_FINITE, '$1'));
  }
}

/** A message as first published: delivered to no one yet. Every message is made here, all of one shape. */
const storedMessage = (
  envelope: Envelope<unknown> | undefined,
  data: Uint8Array | undefined,
  messageId: string | undefined,
  deadLetterReason: string | undefined,
): StoredMessage => ({ envelope, data, messageId, deadLetterReason, deliveryCount: 1, holder: undefined });

class MemoryDelivery implements Delivery {
  constructor(
    readonly topic: string,
    private readonly message: StoredMessage,
    private readonly queue: MemoryQueue,
    private readonly consumer: QueueConsumer,
    private readonly transport: MemoryTransport,
    readonly deliveryCount: number,
  ) {}

  get data(): Uint8Array {
    const m = this.message;
    if (m.data === undefined && m.envelope !== undefined) m.data = encodeStored(m.envelope);
    return m.data ?? new Uint8Array();
  }
  get envelope(): Envelope<unknown> | undefined {
    return this.message.envelope;
  }
  get redelivered(): boolean {
    return this.deliveryCount > 1;
  }
  get deadLetterReason(): string | undefined {
    return this.message.deadLetterReason;
  }
  /** A delivery of an earlier attempt (the message was nacked, then delivered again) settles nothing. */
  private get current(): boolean {
    return this.deliveryCount === this.message.deliveryCount;
  }
  ack(): void {
    if (this.current) this.queue.settle(this.consumer, this.message, false);
  }
  nack(): void {
    if (this.current) this.queue.settle(this.consumer, this.message, true);
  }
  async deadLetter(reason: string): Promise<void> {
    if (!this.consumer.alive || !this.current) return;
    this.transport.storeDeadLetter(this.topic, this.data, this.message.messageId, reason);
    this.ack();
    return Promise.resolve();
  }
  working(): void {
    // Nothing times out in memory.
  }
}

export class MemoryTransport implements Transport {
  readonly name = 'memory';
  private readonly capacity: number;
  private readonly broadcastCapacity: number;
  private readonly queues = new Map<string, MemoryQueue>();
  /** Each broadcast subscriber's own queue, per topic. */
  private readonly subscribers = new Map<string, Set<MemoryQueue>>();
  private readonly stopConsumers = new Set<() => void>();
  private readonly state = new BehaviorSubject<ConnectionState>('connected');
  private closed = false;
  readonly state$ = this.state.asObservable();
  private readonly waits = new PublishWaits();
  readonly publishWaits = this.waits.read;

  constructor(options: MemoryTransportOptions = {}) {
    this.capacity = options.capacity ?? MEMORY_DEFAULTS.capacity;
    this.broadcastCapacity = options.broadcastCapacity ?? MEMORY_DEFAULTS.broadcastCapacity;
  }

  publish<B>(topic: Topic, envelope: Envelope<B>): Promise<void> {
    return this.offer(topic, envelope, undefined, String(envelope.id));
  }

  tryPublish<B>(topic: Topic, envelope: Envelope<B>): boolean {
    if (this.closed) return false;
    const message = storedMessage(envelope, undefined, String(envelope.id), undefined);
    if (topic.kind === 'broadcast') {
      this.broadcast(topic, message);
      return true;
    }
    return this.queue(topic.name).tryOffer(message);
  }

  publishRaw(topic: Topic, data: Uint8Array, messageId?: string): Promise<void> {
    return this.offer(topic, undefined, data, messageId);
  }

  consume(topic: Topic, options: ConsumeOptions = {}): Observable<Delivery> {
    if (topic.kind === 'queue') return this.consumeQueue(topic.name, this.queue(topic.name), options);
    return new Observable<Delivery>((subscriber) => {
      const own = new MemoryQueue(this.broadcastCapacity, 'drop-head');
      let set = this.subscribers.get(topic.name);
      if (!set) this.subscribers.set(topic.name, (set = new Set()));
      set.add(own);
      const inner = this.consumeQueue(topic.name, own, options).subscribe(subscriber);
      return () => {
        inner.unsubscribe();
        set.delete(own);
      };
    });
  }

  consumeDeadLetters(topic: Topic, options: ConsumeOptions = {}): Observable<Delivery> {
    const name = deadLetterTopicName(topic.name);
    return this.consumeQueue(name, this.queue(name, Infinity), options);
  }

  /** Messages waiting or in flight on a queue topic (for tests, status and the one-process runner). */
  depth(topic: Topic): number {
    return this.queues.get(topic.name)?.depth ?? 0;
  }

  /** Called by a delivery: dead letters are kept without limit, so dead-lettering can never block. */
  storeDeadLetter(topic: string, data: Uint8Array, messageId: string | undefined, reason: string): void {
    const name = deadLetterTopicName(topic);
    void this.queue(name, Infinity).offer(storedMessage(undefined, data, messageId, reason));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const stop of [...this.stopConsumers]) stop();
    const error = new TransportClosedError(this.name);
    for (const q of this.queues.values()) q.rejectWaiting(error);
    this.state.next('closed');
    this.state.complete();
    return Promise.resolve();
  }

  private offer(
    topic: Topic,
    envelope: Envelope<unknown> | undefined,
    data: Uint8Array | undefined,
    messageId: string | undefined,
  ): Promise<void> {
    if (this.closed) return Promise.reject(new TransportClosedError(this.name));
    const message = storedMessage(envelope, data, messageId, undefined);
    if (topic.kind === 'broadcast') {
      this.broadcast(topic, message);
      return RESOLVED;
    }
    const waiting = this.queue(topic.name).offer(message);
    if (waiting === undefined) return RESOLVED;
    this.waits.count(topic.name);
    return waiting;
  }

  private broadcast(topic: Topic, message: StoredMessage): void {
    const set = this.subscribers.get(topic.name);
    if (set) for (const q of set) void q.offer(set.size === 1 ? message : { ...message });
  }

  private queue(name: string, capacity = this.capacity): MemoryQueue {
    let q = this.queues.get(name);
    if (!q) this.queues.set(name, (q = new MemoryQueue(capacity, 'backpressure')));
    return q;
  }

  private consumeQueue(topicName: string, queue: MemoryQueue, options: ConsumeOptions): Observable<Delivery> {
    const prefetch = Math.max(1, options.prefetch ?? DEFAULT_PREFETCH);
    return new Observable<Delivery>((subscriber) => {
      if (this.closed) {
        subscriber.complete();
        return undefined;
      }
      const consumer: QueueConsumer = {
        prefetch,
        inFlight: 0,
        alive: true,
        held: [],
        deliver: (message) =>
          subscriber.next(
            new MemoryDelivery(topicName, message, queue, consumer, this, message.deliveryCount),
          ),
      };
      const stop = (): void => {
        this.stopConsumers.delete(stop);
        subscriber.complete();
      };
      this.stopConsumers.add(stop);
      queue.attach(consumer);
      return () => {
        this.stopConsumers.delete(stop);
        queue.detach(consumer);
      };
    });
  }
}
