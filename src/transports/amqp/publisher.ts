/**
 * Publishing with publisher confirms over one ConfirmChannel per connection generation.
 *
 * - `send` resolves when the broker confirms (ack) the message and rejects with `PublishNackedError` on a nack.
 *   Any number of sends may be in flight at once: nothing is batched, each waits for its own confirm.
 * - Back-pressure: when `channel.publish` returns false the message is buffered (never sent twice) and later sends
 *   wait for the channel's 'drain'. While the connection is down, sends wait for the next one.
 * - A message whose channel died before its confirm is sent again on the next channel: it may then arrive twice,
 *   which consumers absorb by id. Failures of a channel on a live connection are retried a few times, then reported.
 */
import type { PublishWaits } from '../publishWaits.js';
import type { ConfirmChannel, Options } from 'amqplib';
import type { AmqpConnection, Generation } from './connection.js';
import { errorMessage, toError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { PublishTarget } from './topology.js';

/** The broker refused a message (a nack): e.g. a queue at its length limit with `x-overflow: reject-publish`. */
export class PublishNackedError extends Error {
  override readonly name = 'PublishNackedError';
  constructor(target: PublishTarget) {
    super(
      `broker refused (nacked) a message for exchange '${target.exchange}' routing key '${target.routingKey}'`,
    );
  }
}

/** Prepares a generation before a send, e.g. declares the queue; `retry` is true after a failed attempt. */
export type PrepareSend = (g: Generation, retry: boolean) => Promise<void>;

/** Failed attempts, on a live connection, before a send gives up. */
const MAX_CHANNEL_FAILURES = 5;

class PublisherChannel {
  open = true;
  private writable = true;
  private wake: (() => void) | undefined;
  private wakeup: Promise<void> | undefined;

  constructor(
    readonly g: Generation,
    readonly ch: ConfirmChannel,
  ) {
    ch.on('drain', () => this.setWritable());
    ch.on('close', () => {
      this.open = false;
      this.setWritable();
    });
  }

  /** Waits until the channel takes more, or throws if it closed meanwhile. */
  async whenWritable(onWait?: () => void): Promise<void> {
    if (this.open && !this.writable) onWait?.();
    while (this.open && !this.writable) {
      this.wakeup ??= new Promise<void>((resolve) => (this.wake = resolve));
      await this.wakeup;
    }
    if (!this.open) throw new Error('publisher channel closed');
  }

  /** One attempt: 'ack', 'nack', or 'closed' when the channel died before the broker answered. */
  publish(t: PublishTarget, content: Buffer, props: Options.Publish): Promise<'ack' | 'nack' | 'closed'> {
    return new Promise((resolve) => {
      let accepted: boolean;
      try {
        accepted = this.ch.publish(t.exchange, t.routingKey, content, props, (err: unknown) => {
          // amqplib fails a confirm callback with 'message nacked' on a nack and 'channel closed' when it dies.
          if (!err) resolve('ack');
          else resolve(err instanceof Error && err.message === 'message nacked' ? 'nack' : 'closed');
        });
      } catch {
        // Thrown when the channel is already closed: nothing was sent, no callback will come.
        resolve('closed');
        return;
      }
      this.g.holdWrites();
      if (!accepted) this.writable = false;
    });
  }

  private setWritable(): void {
    this.writable = true;
    const wake = this.wake;
    this.wake = undefined;
    this.wakeup = undefined;
    wake?.();
  }
}

export class Publisher {
  private current: PublisherChannel | undefined;
  private opening: { readonly g: Generation; readonly channel: Promise<PublisherChannel> } | undefined;

  constructor(
    private readonly conn: AmqpConnection,
    private readonly log: Logger,
    private readonly waits?: PublishWaits,
  ) {}

  /** Publishes `content` and resolves on the broker's confirm. Rejects with `TransportClosedError` once closed. */
  async send(
    target: PublishTarget,
    content: Buffer,
    props: Options.Publish,
    prepare?: PrepareSend,
  ): Promise<void> {
    let failures = 0;
    for (;;) {
      const g = await this.conn.waitForGeneration();
      let outcome: 'ack' | 'nack' | 'closed';
      try {
        const pc = await this.channelOn(g);
        if (prepare) await prepare(g, failures > 0);
        await pc.whenWritable(this.waits && (() => this.waits?.count(target.routingKey || target.exchange)));
        outcome = await pc.publish(target, content, props);
        if (outcome === 'closed') throw new Error('publisher channel closed before the broker confirmed');
      } catch (e) {
        // A lost connection is not this message's fault: wait for the next one, however long it takes.
        if (!g.alive) continue;
        failures++;
        if (failures >= MAX_CHANNEL_FAILURES) throw toError(e);
        this.log(
          'warn',
          `publish to '${target.exchange || target.routingKey}' failed (${errorMessage(e)}); retrying`,
        );
        await new Promise((r) => setTimeout(r, 100 * 2 ** failures));
        continue;
      }
      if (outcome === 'ack') return;
      throw new PublishNackedError(target);
    }
  }

  private channelOn(g: Generation): Promise<PublisherChannel> {
    const pc = this.current;
    if (pc && pc.g === g && pc.open) return Promise.resolve(pc);
    if (this.opening?.g !== g) {
      const opening = { g, channel: this.open(g) };
      this.opening = opening;
      const forget = (): void => {
        if (this.opening === opening) this.opening = undefined;
      };
      opening.channel.then(forget, forget);
    }
    return this.opening.channel;
  }

  private async open(g: Generation): Promise<PublisherChannel> {
    const ch = await g.model.createConfirmChannel();
    ch.on('error', (e: Error) => this.log('warn', `publisher channel: ${errorMessage(e)}`));
    ch.on('handler-error', (e: Error, event: string) =>
      this.log('error', `bug: a '${event}' listener of the publisher channel threw: ${errorMessage(e)}`),
    );
    const pc = new PublisherChannel(g, ch);
    ch.on('close', () => {
      if (this.current === pc) this.current = undefined;
    });
    this.current = pc;
    return pc;
  }
}
