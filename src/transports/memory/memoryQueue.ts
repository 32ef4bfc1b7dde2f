/**
 * One in-memory queue with broker semantics: bounded (publishers wait when it is full, or the oldest message is
 * dropped for broadcast subscriber queues), shared by competing consumers with per-consumer prefetch, explicit
 * ack / nack, and redelivery of whatever a consumer held when it goes away.
 */
import { Deque } from '../../core/deque.js';
import type { Envelope } from '../../core/envelope.js';

export interface StoredMessage {
  /** Set when published as an envelope: carried by reference, encoded only if a consumer reads `data`. */
  readonly envelope: Envelope<unknown> | undefined;
  /** Bytes, when published raw, or once encoded. */
  data: Uint8Array | undefined;
  readonly messageId: string | undefined;
  readonly deadLetterReason: string | undefined;
  deliveryCount: number;
  /** The consumer holding it (delivered, not yet settled). */
  holder?: QueueConsumer | undefined;
}

/** What a queue does when a message arrives and it is full. */
export type Overflow = 'backpressure' | 'drop-head';

/** A consumer attached to the queue. `deliver` hands a message over; the consumer settles it later. */
export interface QueueConsumer {
  readonly prefetch: number;
  inFlight: number;
  alive: boolean;
  /**
   * Messages handed to this consumer, in order, so that those not yet settled (their `holder` is still this
   * consumer) can be requeued if it goes away. Settled ones are swept out now and then, not removed one by one:
   * a Set's add and delete per message were 12% of the one-process pipeline's profile.
   */
  held: StoredMessage[];
  deliver(message: StoredMessage): void;
}

interface Waiter {
  readonly message: StoredMessage;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

export class MemoryQueue {
  private readonly ready = new Deque<StoredMessage>();
  private readonly waiting = new Deque<Waiter>();
  private readonly consumers: QueueConsumer[] = [];
  private next = 0;
  private dispatching = false;
  /** A nack happened: dispatch is paused until the next turn of the event loop (see `settle`). */
  private redeliveryDue = false;
  /** Messages dropped by a `drop-head` queue that overflowed. */
  dropped = 0;

  constructor(
    readonly capacity: number,
    readonly overflow: Overflow,
  ) {}

  /** Messages waiting for a consumer, plus messages held by consumers and not yet settled. */
  get depth(): number {
    let held = 0;
    for (const c of this.consumers) held += c.inFlight;
    return this.ready.length + this.waiting.length + held;
  }

  /** Takes the message if there is room now (never drops, never waits); false when it is full. */
  tryOffer(message: StoredMessage): boolean {
    if (this.ready.length >= this.capacity || this.waiting.length > 0) return false;
    this.ready.push(message);
    this.dispatch();
    return true;
  }

  /** Resolves once the queue has taken the message: at once unless it is full (back-pressure). */
  offer(message: StoredMessage): Promise<void> | undefined {
    if (this.ready.length < this.capacity && this.waiting.length === 0) {
      this.ready.push(message);
      this.dispatch();
      return undefined;
    }
    if (this.overflow === 'drop-head') {
      this.ready.shift();
      this.dropped++;
      this.ready.push(message);
      this.dispatch();
      return undefined;
    }
    return new Promise<void>((resolve, reject) => this.waiting.push({ message, resolve, reject }));
  }

  attach(consumer: QueueConsumer): void {
    this.consumers.push(consumer);
    this.dispatch();
  }

  /** Detaches a consumer; every message it held goes back to the head of the queue, in order, for redelivery. */
  detach(consumer: QueueConsumer): void {
    consumer.alive = false;
    const i = this.consumers.indexOf(consumer);
    if (i >= 0) this.consumers.splice(i, 1);
    // From the newest: a message delivered twice (nacked, then delivered again) is requeued once, by its latest place.
    const held = consumer.held;
    consumer.held = [];
    consumer.inFlight = 0;
    for (let j = held.length - 1; j >= 0; j--) {
      const m = held[j] as StoredMessage;
      if (m.holder !== consumer) continue;
      m.holder = undefined;
      m.deliveryCount++;
      this.ready.unshift(m);
    }
    this.dispatch();
  }

  /**
   * Settles a message: acked (gone) or nacked (back to the head of the queue for redelivery). A nacked message is
   * redelivered on a later turn of the event loop, as a broker would: redelivered at once, a consumer that nacks
   * synchronously would loop without end and starve timers, I/O and abort signals.
   */
  settle(consumer: QueueConsumer, message: StoredMessage, requeue: boolean): void {
    if (!consumer.alive || message.holder !== consumer) return;
    message.holder = undefined;
    consumer.inFlight--;
    if (!requeue) return this.dispatch();
    message.deliveryCount++;
    this.ready.unshift(message);
    if (this.redeliveryDue) return;
    this.redeliveryDue = true;
    setImmediate(() => {
      this.redeliveryDue = false;
      this.dispatch();
    });
  }

  /** Fails every publisher still waiting for room (the transport is closing: their messages were not taken). */
  rejectWaiting(error: Error): void {
    for (const w of this.waiting) w.reject(error);
    this.waiting.clear();
  }

  private admitWaiting(): void {
    while (this.waiting.length > 0 && this.ready.length < this.capacity) {
      const w = this.waiting.shift();
      if (!w) break;
      this.ready.push(w.message);
      w.resolve();
    }
  }

  /** Hands ready messages to consumers with room, round-robin. Re-entrant calls (a consumer acking synchronously
   *  inside `deliver`) just mark more work for the loop already running. */
  private dispatch(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      while (!this.redeliveryDue) {
        this.admitWaiting();
        if (this.ready.length === 0) break;
        const consumer = this.pickConsumer();
        if (!consumer) break;
        const message = this.ready.shift() as StoredMessage;
        consumer.inFlight++;
        message.holder = consumer;
        const held = consumer.held;
        // Sweep out the settled ones once they outnumber the held ones: amortised O(1), bounded by 2 × prefetch.
        if (held.length >= 2 * consumer.inFlight + 64)
          consumer.held = held.filter((m) => m.holder === consumer);
        consumer.held.push(message);
        consumer.deliver(message);
      }
    } finally {
      this.dispatching = false;
    }
  }

  private pickConsumer(): QueueConsumer | undefined {
    const n = this.consumers.length;
    for (let k = 0; k < n; k++) {
      const c = this.consumers[(this.next + k) % n] as QueueConsumer;
      if (c.inFlight < c.prefetch) {
        this.next = (this.next + k + 1) % n;
        return c;
      }
    }
    return undefined;
  }
}
