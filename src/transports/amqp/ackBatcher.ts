/**
 * Acks of one consumer channel, sent together: the acks of one event-loop turn become one `basic.ack` with
 * `multiple` for the run of deliveries that are all settled, plus single acks for those acked out of order.
 *
 * Why: the broker handles every ack frame on its own, and with a frame per message it spent more CPU on acks and
 * confirms than the services did on their work. Nothing is acked earlier than before: an ack still leaves only
 * once the service called `ack()`, i.e. after its effect (at most one turn later, which keeps prefetch slots
 * busy for microseconds).
 *
 * The rule that makes `multiple` safe: `ack(tag, multiple)` settles *every* unacked delivery of the channel up
 * to `tag`, so it is only sent for a tag below the lowest delivery still open (received and neither acked nor
 * nacked). Deliveries are registered as they arrive, and the broker numbers them upwards on each channel, so the
 * first element of `open` (a Set keeps insertion order) is the lowest open tag.
 */
import type { Channel, Message } from 'amqplib';
import type { HoldWrites } from './writeCoalescer.js';

export class AckBatcher {
  /** Delivery tags received and not yet settled, lowest first. */
  private readonly open = new Set<number>();
  /** Acked since the last flush, in the order `ack` was called. */
  private acked: Message[] = [];
  private scheduled = false;
  private readonly flushSoon = (): void => {
    try {
      this.flush();
    } catch {
      // The channel closed meanwhile: the broker has taken those messages back and redelivers them.
    }
  };

  constructor(
    private readonly ch: Channel,
    private readonly holdWrites: HoldWrites,
  ) {}

  /** Registers a delivery as it arrives, before anyone can settle it. */
  received(msg: Message): void {
    this.open.add(msg.fields.deliveryTag);
  }

  /** Acks `msg` at the end of this turn. */
  ack(msg: Message): void {
    this.open.delete(msg.fields.deliveryTag);
    this.acked.push(msg);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  /** Settles `msg` some other way (a nack with requeue), sent at once by `send`. */
  settleNow(msg: Message, send: (ch: Channel) => void): void {
    this.open.delete(msg.fields.deliveryTag);
    send(this.ch);
    this.holdWrites();
  }

  /** Sends the acks gathered so far. Throws if the channel is closed (the broker redelivers those messages). */
  flush(): void {
    this.scheduled = false;
    const acked = this.acked;
    if (acked.length === 0) return;
    this.acked = [];
    let lowestOpen = Infinity;
    for (const tag of this.open) {
      lowestOpen = tag;
      break;
    }
    let upTo: Message | undefined;
    for (const msg of acked) {
      const tag = msg.fields.deliveryTag;
      if (tag < lowestOpen) {
        if (upTo === undefined || tag > upTo.fields.deliveryTag) upTo = msg;
      } else this.ch.ack(msg);
    }
    if (upTo !== undefined) this.ch.ack(upTo, true);
    this.holdWrites();
  }
}
