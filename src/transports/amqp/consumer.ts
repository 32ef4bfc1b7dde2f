/**
 * A consumer as a cold Observable: subscribing opens a channel of its own (so that its prefetch is its own, and a
 * channel error elsewhere cannot stop it), declares what it reads, and consumes with manual acks. It rebuilds all of
 * this on every new connection, and after a channel failure on a live connection with backoff. Unsubscribing
 * closes the channel: the broker puts every unsettled delivery back for another consumer.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import { Observable } from 'rxjs';
import type { Delivery } from '../../core/transport.js';
import { AckBatcher } from './ackBatcher.js';
import type { AmqpConnection, Generation } from './connection.js';
import { AmqpDelivery, type ConsumerChannel, type DeliveryActions } from './delivery.js';
import { errorMessage } from '../../core/errors.js';

export interface ConsumerSpec {
  /** Reported as `Delivery.topic`; its dead-letter queue is where the deliveries' `deadLetter` writes to. */
  readonly topicName: string;
  readonly prefetch: number;
  /** True when reading a dead-letter queue: deliveries then expose their reason. */
  readonly isDeadLetter: boolean;
  /** Declares what to read on connection `g` (using `ch` for anything exclusive to it); returns the queue name. */
  readonly declare: (g: Generation, ch: Channel) => Promise<string>;
  /** Called when the broker cancels the consumer (e.g. its queue was deleted), before it is declared again. */
  readonly onCancelled?: () => void;
}

/** What the transport's `close()` does to a live consumer. */
export interface ConsumerHandle {
  /** Stops taking new messages (cancels the consumer); deliveries already received can still be settled. */
  stopIntake(): Promise<void>;
  /** Completes the stream, which closes the channel. */
  finish(): void;
}

const backoffMs = (failures: number): number => Math.min(5000, 100 * 2 ** failures);

/** Closes a consumer's channel after sending the acks it still holds (the rest goes back to the broker). */
function closeChannel(cc: ConsumerChannel): void {
  try {
    cc.acks.flush();
  } catch {
    // Already closing: the broker redelivers what was not acked.
  }
  cc.ch.close().catch(() => undefined);
}

export function consumeQueue(
  conn: AmqpConnection,
  spec: ConsumerSpec,
  actions: DeliveryActions,
  registry: Set<ConsumerHandle>,
): Observable<Delivery> {
  const log = actions.log;
  return new Observable<Delivery>((subscriber) => {
    let stopped = false;
    let active: (ConsumerChannel & { tag?: string }) | undefined;
    let timer: NodeJS.Timeout | undefined;
    let failures = 0;

    const retryLater = (g: Generation): void => {
      if (stopped) return;
      clearTimeout(timer);
      // On a lost connection the next generation restarts the consumer; the timer then finds `g` dead.
      timer = setTimeout(() => start(g), backoffMs(failures));
    };

    const start = (g: Generation): void => {
      if (stopped || !g.alive || (active?.g === g && active.open)) return;
      attach(g).catch((e: unknown) => {
        if (stopped || !g.alive) return;
        failures++;
        log('warn', `consumer of '${spec.topicName}' failed to start (${errorMessage(e)}); retrying`);
        retryLater(g);
      });
    };

    const consumeOn = async (
      g: Generation,
      ch: Channel,
      cc: ConsumerChannel & { tag?: string },
    ): Promise<void> => {
      if (stopped) return void ch.close().catch(() => undefined);
      await ch.prefetch(spec.prefetch);
      cc.queue = await spec.declare(g, ch);
      if (stopped || !cc.open) return void ch.close().catch(() => undefined);
      const onMessage = (msg: ConsumeMessage | null): void => {
        if (msg === null) {
          log(
            'warn',
            `the broker cancelled the consumer of '${spec.topicName}' (queue deleted?); consuming again`,
          );
          spec.onCancelled?.();
          closeChannel(cc);
          return;
        }
        cc.acks.received(msg);
        subscriber.next(new AmqpDelivery(spec.topicName, msg, cc, actions, spec.isDeadLetter));
      };
      const ok = await ch.consume(cc.queue, onMessage, { noAck: false });
      cc.tag = ok.consumerTag;
    };

    const attach = async (g: Generation): Promise<void> => {
      const ch = await g.model.createChannel();
      const acks = new AckBatcher(ch, g.holdWrites);
      const cc: ConsumerChannel & { tag?: string } = { g, ch, open: true, queue: '', acks };
      active = cc;
      ch.on('error', (e: Error) =>
        log('warn', `consumer channel of '${spec.topicName}': ${errorMessage(e)}`),
      );
      ch.on('handler-error', (e: Error, event: string) =>
        log(
          'error',
          `bug: a '${event}' listener of the '${spec.topicName}' consumer threw: ${errorMessage(e)}`,
        ),
      );
      ch.on('close', () => {
        cc.open = false;
        if (active === cc) active = undefined;
        retryLater(g);
      });
      try {
        await consumeOn(g, ch, cc);
      } catch (e) {
        // A half-started channel must not pass for a working consumer: close it, so that the retry starts afresh.
        if (active === cc) active = undefined;
        ch.close().catch(() => undefined);
        throw e;
      }
      failures = 0;
    };

    const handle: ConsumerHandle = {
      async stopIntake() {
        stopped = true;
        clearTimeout(timer);
        const cc = active;
        if (cc?.open && cc.tag !== undefined) await cc.ch.cancel(cc.tag).catch(() => undefined);
      },
      finish: () => subscriber.complete(),
    };
    registry.add(handle);
    const stopGenerations = conn.onGeneration(start);

    return () => {
      stopped = true;
      stopGenerations();
      clearTimeout(timer);
      registry.delete(handle);
      if (active?.open) closeChannel(active);
      active = undefined;
    };
  });
}
