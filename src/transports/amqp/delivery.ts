/**
 * One RabbitMQ delivery, settled exactly once.
 *
 * - `ack()` acks on the channel the message came from. If that channel has died since, it does nothing: the
 *   broker has already put the message back and will deliver it again.
 * - `nack()` bounds retries on classic queues, which count nothing: it republishes a copy (with confirm) to the
 *   same queue with `x-attempts` = deliveryCount + 1, then acks the original. If the copy cannot be published the
 *   original is requeued instead.
 * - `deadLetter(reason)` publishes the original bytes (with confirm) to the dead-letter queue with the reason and
 *   the original topic in headers, then acks.
 * A second settlement of the same delivery is ignored: acking an unknown delivery tag would kill the channel.
 */
import type { Channel, ConsumeMessage, Options } from 'amqplib';
import type { Delivery } from '../../core/transport.js';
import type { AckBatcher } from './ackBatcher.js';
import type { Generation } from './connection.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { deadLetterProperties, deadLetterReasonOf, deliveryCountOf, retryProperties } from './topology.js';

/** A consumer's channel; `open` turns false for good when it closes. */
export interface ConsumerChannel {
  readonly g: Generation;
  readonly ch: Channel;
  open: boolean;
  /** The queue consumed from (server-named for broadcast subscribers). */
  queue: string;
  /** Where acks go: they leave together at the end of the turn. */
  readonly acks: AckBatcher;
}

/** What a delivery needs from its transport to settle. */
export interface DeliveryActions {
  /** Publishes a copy to `queue` and resolves on the broker's confirm. */
  republish(queue: string, content: Buffer, props: Options.Publish): Promise<void>;
  /** Publishes to the dead-letter queue of `topicName` and resolves on the broker's confirm. */
  deadLetter(topicName: string, content: Buffer, props: Options.Publish): Promise<void>;
  readonly log: Logger;
}

export class AmqpDelivery implements Delivery {
  readonly redelivered: boolean;
  readonly deliveryCount: number;
  readonly deadLetterReason: string | undefined;
  private settled = false;

  /** @param topic what the consumer reads: the topic, or the dead-letter queue for `consumeDeadLetters` */
  constructor(
    readonly topic: string,
    private readonly msg: ConsumeMessage,
    private readonly from: ConsumerChannel,
    private readonly actions: DeliveryActions,
    isDeadLetter: boolean,
  ) {
    this.deliveryCount = deliveryCountOf(msg.properties, msg.fields.redelivered);
    // A copy republished by nack is new to the broker, but not to us.
    this.redelivered = msg.fields.redelivered || this.deliveryCount > 1;
    this.deadLetterReason = isDeadLetter ? deadLetterReasonOf(msg.properties) : undefined;
  }

  get data(): Uint8Array {
    return this.msg.content;
  }

  ack(): void {
    if (this.claim('ack')) this.ackNow();
  }

  nack(): void {
    if (!this.claim('nack') || !this.from.open) return;
    const props = retryProperties(this.msg.properties, this.deliveryCount);
    this.actions.republish(this.from.queue, this.msg.content, props).then(
      () => this.ackNow(),
      (e: unknown) => {
        this.actions.log(
          'warn',
          `could not republish a nacked message of '${this.topic}' (${errorMessage(e)}); requeued`,
        );
        this.requeue();
      },
    );
  }

  async deadLetter(reason: string): Promise<void> {
    if (!this.claim('deadLetter') || !this.from.open) return;
    const props = deadLetterProperties(this.msg.properties, reason, this.topic);
    try {
      await this.actions.deadLetter(this.topic, this.msg.content, props);
    } catch (e) {
      this.requeue();
      throw e;
    }
    this.ackNow();
  }

  working(): void {
    // RabbitMQ has no per-message ack timeout to extend (its consumer_timeout is per channel and long).
  }

  private claim(how: string): boolean {
    if (this.settled) {
      this.actions.log('warn', `bug: a delivery of '${this.topic}' settled twice (${how} ignored)`);
      return false;
    }
    this.settled = true;
    return true;
  }

  private ackNow(): void {
    // A dead channel's deliveries are the broker's again: it redelivers them.
    if (this.from.open) this.from.acks.ack(this.msg);
  }

  private requeue(): void {
    if (!this.from.open) return;
    try {
      this.from.acks.settleNow(this.msg, (ch) => ch.nack(this.msg, false, true));
    } catch {
      // The channel closed under us between the check and the call; the broker redelivers.
    }
  }
}
