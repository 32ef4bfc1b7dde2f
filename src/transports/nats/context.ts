/**
 * What the parts of one NATS transport share: its connection, options, log, the consumers it runs and the
 * publishes under way, and the close sequence that drains them in order.
 */
import { PublishWaits } from '../publishWaits.js';
import { Observable, type Subscriber } from 'rxjs';
import { TransportClosedError } from '../../core/transport.js';
import { errorMessage, toError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { ManagedConnection } from './connection.js';
import type { ResolvedNatsOptions } from './options.js';

/** How close() talks to a running consumer. */
export interface ConsumerHandle {
  /** Take no new messages; deliveries already handed out may still be settled. */
  stopTaking(): void;
  /** Give back what is still unsettled, so that another consumer gets it now (JetStream: nak). */
  releaseOutstanding(): void;
  /** Complete the consumer's observable. */
  finish(): void;
}

/** A consumer that `NatsContext.consumer` has started. */
export interface StartedConsumer {
  readonly handle: ConsumerHandle;
  /** Stops it when its subscriber unsubscribes (it has left the consumers close() drains by then). */
  readonly teardown: () => void;
}

export class NatsContext {
  private readonly consumers = new Set<ConsumerHandle>();
  /** Publishes that waited for room, shared by the core and JetStream publishers. */
  readonly waits = new PublishWaits();
  private readonly inflight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly conn: ManagedConnection,
    readonly o: ResolvedNatsOptions,
    readonly log: Logger,
  ) {}

  get isClosing(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Publishes `data` with `send`, tracked so that close() waits for it. Refused with a rejected promise, `send`
   * never called, once close() has begun (TransportClosedError) or when `data` is larger than the transport takes.
   */
  publish(data: Uint8Array, send: () => Promise<void>): Promise<void> {
    try {
      if (this.closing !== undefined) throw new TransportClosedError(this.name);
      checkSize(data, this.o.maxMessageBytes);
    } catch (e) {
      return Promise.reject(toError(e));
    }
    return this.track(send());
  }

  /**
   * The observable of one consumer. Subscribing once close() has begun errors with TransportClosedError;
   * otherwise `start` sets the consumer going and its handle is drained by close() until the subscriber leaves.
   * `start` must hand out nothing synchronously: its handle is registered when it returns.
   */
  consumer<T>(start: (subscriber: Subscriber<T>) => StartedConsumer): Observable<T> {
    return new Observable<T>((subscriber) => {
      if (this.closing !== undefined) {
        subscriber.error(new TransportClosedError(this.name));
        return undefined;
      }
      const { handle, teardown } = start(subscriber);
      this.consumers.add(handle);
      return () => {
        this.consumers.delete(handle);
        teardown();
      };
    });
  }

  /** Tracks a publish so that close() can wait for it. */
  track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const forget = (): void => void this.inflight.delete(p);
    p.then(forget, forget);
    return p;
  }

  /**
   * Drains, in this order: consumers stop taking messages; publishes under way settle (or are abandoned after
   * closeTimeoutMs); acks those publishes were waiting for run; what is still unsettled is given back; consumer
   * observables complete; the connection drains and closes. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.runClose();
    return this.closing;
  }

  private async runClose(): Promise<void> {
    for (const c of this.consumers) c.stopTaking();
    const settled = Promise.allSettled([...this.inflight]);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.o.closeTimeoutMs);
    });
    const outcome = await Promise.race([settled.then(() => 'done' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.log(
        'warn',
        `close: ${this.inflight.size} publishes still under way after ${this.o.closeTimeoutMs} ms; abandoning them`,
      );
      this.conn.abort();
      await settled;
    }
    // An ack usually follows its downstream publish by a promise callback or two: let those run first.
    await new Promise((resolve) => setImmediate(resolve));
    for (const c of [...this.consumers]) {
      try {
        c.releaseOutstanding();
        c.finish();
      } catch (e) {
        this.log('debug', `close: ${errorMessage(e)}`);
      }
    }
    this.consumers.clear();
    await this.conn.shutdown(this.o.closeTimeoutMs);
  }
}

/** Refuses a message larger than the transport takes, before it reaches the server. */
function checkSize(data: Uint8Array, maxBytes: number): void {
  if (data.byteLength > maxBytes)
    throw new RangeError(`message is ${data.byteLength} bytes; the NATS transport takes at most ${maxBytes}`);
}
