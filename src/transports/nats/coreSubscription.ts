/**
 * A core NATS subscription as an observable of deliveries: queue topics in core mode (a queue group per
 * consume group) and broadcast topics in both modes (a plain subscription: every subscriber gets every message).
 *
 * Core NATS cannot push back on a publisher and cannot redeliver. So at most `prefetch` deliveries are handed
 * out at a time, the next ones wait in a buffer bounded by `slowConsumerBufferBytes`, and beyond that a slow
 * subscriber drops messages (counted and logged) rather than grow without bound. `ack()` and `nack()` only
 * free the delivery's place in that window: nothing goes back to the server, and a nacked or unsettled message
 * is not delivered again.
 */
import type { Msg, Subscription } from 'nats';
import type { Observable } from 'rxjs';
import { TransportClosedError, type Delivery } from '../../core/transport.js';
import { Deque } from '../../core/deque.js';
import { errorMessage } from '../../core/errors.js';
import type { ConsumerHandle, NatsContext } from './context.js';
import { readDeadLetterReason } from './deadLetter.js';

export interface CoreSubscribeParams {
  /** Topic name reported on deliveries. */
  readonly topic: string;
  readonly subject: string;
  /** Queue group: subscribers of one group share the messages. Undefined: every subscriber gets all. */
  readonly queue?: string;
  readonly prefetch: number;
  /** Deliveries carry the dead-letter reason of their headers (dead-letter readers). */
  readonly readsDeadLetters: boolean;
  /** Moves a message to the dead-letter destination. */
  readonly deadLetter: (data: Uint8Array, reason: string) => Promise<void>;
}

/**
 * One delivery of a core subscription; settling it (once) frees its place in the window. A class rather than an
 * object of closures: a subscription hands out tens of thousands of these a second.
 */
class CoreDelivery implements Delivery {
  readonly redelivered = false;
  readonly deliveryCount = 1;
  readonly deadLetterReason: string | undefined;
  private settled = false;

  constructor(
    private readonly p: CoreSubscribeParams,
    private readonly msg: Msg,
    private readonly release: () => void,
  ) {
    this.deadLetterReason = p.readsDeadLetters ? readDeadLetterReason(msg.headers) : undefined;
  }

  get topic(): string {
    return this.p.topic;
  }

  get data(): Uint8Array {
    return this.msg.data;
  }

  ack(): void {
    this.settle();
  }

  nack(): void {
    this.settle();
  }

  working(): void {
    // Nothing to keep alive: core NATS never redelivers.
  }

  async deadLetter(reason: string): Promise<void> {
    if (this.settled) return;
    await this.p.deadLetter(this.msg.data, reason);
    this.settle();
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.release();
  }
}

/** Drops are logged at most this often, with the count since the last line. */
const DROP_LOG_INTERVAL_MS = 10_000;

export function coreSubscribe(ctx: NatsContext, p: CoreSubscribeParams): Observable<Delivery> {
  return ctx.consumer<Delivery>((subscriber) => {
    let taking = true;
    let sub: Subscription | undefined;
    let outstanding = 0;
    let pumping = false;
    // Messages beyond the prefetch window, oldest first. A Deque: shift() on a large array is linear.
    const queue = new Deque<Msg>();
    let bufferedBytes = 0;
    let dropped = 0;
    let lastDropLog = 0;

    const release = (): void => {
      outstanding--;
      pump();
    };

    const emit = (msg: Msg): void => {
      outstanding++;
      subscriber.next(new CoreDelivery(p, msg, release));
    };

    function pump(): void {
      // Re-entrant calls (a delivery settled synchronously inside next()) leave the work to the outer loop.
      if (pumping) return;
      pumping = true;
      try {
        while (taking && outstanding < p.prefetch) {
          const msg = queue.shift();
          if (msg === undefined) break;
          bufferedBytes -= msg.data.byteLength;
          emit(msg);
        }
      } finally {
        pumping = false;
      }
    }

    const onMessage = (msg: Msg): void => {
      if (!taking) return;
      if (outstanding < p.prefetch && queue.length === 0) {
        emit(msg);
      } else if (bufferedBytes + msg.data.byteLength <= ctx.o.slowConsumerBufferBytes) {
        queue.push(msg);
        bufferedBytes += msg.data.byteLength;
      } else {
        dropped++;
        const now = Date.now();
        if (now - lastDropLog >= DROP_LOG_INTERVAL_MS) {
          ctx.log('warn', `slow consumer on ${p.subject}: dropped ${dropped} messages (buffer full)`);
          lastDropLog = now;
          dropped = 0;
        }
      }
    };

    const stopTaking = (): void => {
      taking = false;
      sub?.unsubscribe();
      queue.clear();
      bufferedBytes = 0;
    };
    const handle: ConsumerHandle = {
      stopTaking,
      releaseOutstanding: () => undefined,
      finish: () => subscriber.complete(),
    };

    const run = async (): Promise<void> => {
      // The client resubscribes by itself on reconnects; this loop only covers a connection replaced after a
      // fatal error, whose subscriptions are gone.
      while (taking) {
        const nc = await ctx.conn.connected();
        if (!taking) return;
        let failure: Error | undefined;
        sub = nc.subscribe(p.subject, {
          ...(p.queue !== undefined ? { queue: p.queue } : {}),
          callback: (err, msg) => {
            if (err !== null) failure = err;
            else onMessage(msg);
          },
        });
        await sub.closed;
        if (failure !== undefined) throw failure;
      }
    };
    run().catch((e: unknown) => {
      if (!taking) return;
      if (e instanceof TransportClosedError) subscriber.error(e);
      else subscriber.error(new Error(`subscription to ${p.subject} failed: ${errorMessage(e)}`));
    });

    return { handle, teardown: stopTaking };
  });
}
