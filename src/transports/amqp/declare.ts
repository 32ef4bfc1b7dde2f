/**
 * Declares queues and exchanges, once per connection generation, tolerating ones that already exist with other
 * arguments.
 *
 * A declaration that differs from the existing queue (e.g. our durable `features` over the plain one a pika script
 * declared first) makes RabbitMQ close the channel with 406 PRECONDITION_FAILED. Declarations therefore run on a
 * short-lived channel of their own, never on a publisher's or consumer's; on 406 the queue is used as it is, after
 * a passive check on a fresh channel, with one warning per queue.
 */
import type { Channel, ChannelModel } from 'amqplib';
import type { Generation } from './connection.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import {
  isPreconditionFailed,
  queueTypeOf,
  type ExchangeDeclaration,
  type QueueDeclaration,
} from './topology.js';

async function withChannel<T>(
  model: ChannelModel,
  log: Logger,
  use: (ch: Channel) => Promise<T>,
): Promise<T> {
  const ch = await model.createChannel();
  // The broker's 406 arrives as an 'error' event as well as a rejected promise.
  // The rejected promise reports it; this listener only keeps the event from crashing the process.
  ch.on('error', () => undefined);
  ch.on('handler-error', (e: Error, event: string) =>
    log('error', `bug: '${event}' listener threw: ${errorMessage(e)}`),
  );
  try {
    return await use(ch);
  } finally {
    ch.close().catch(() => undefined);
  }
}

export class Declarer {
  private generationId = 0;
  private readonly done = new Map<string, Promise<void>>();
  private readonly warned = new Set<string>();

  constructor(private readonly log: Logger) {}

  /** Declares the queue on generation `g` unless already done there. */
  queue(g: Generation, d: QueueDeclaration): Promise<void> {
    return this.once(g, `queue:${d.queue}`, async () => {
      try {
        await withChannel(g.model, this.log, (ch) => ch.assertQueue(d.queue, d.options));
      } catch (e) {
        if (!isPreconditionFailed(e)) throw e;
        await withChannel(g.model, this.log, (ch) => ch.checkQueue(d.queue));
        this.warnOnce(
          `queue:${d.queue}`,
          `queue '${d.queue}' exists with other arguments or another type than the ${queueTypeOf(d)} queue ` +
            'asked for; using it as it is',
          e,
        );
      }
    });
  }

  /** Declares the exchange on generation `g` unless already done there. */
  exchange(g: Generation, d: ExchangeDeclaration): Promise<void> {
    return this.once(g, `exchange:${d.exchange}`, async () => {
      try {
        await withChannel(g.model, this.log, (ch) => ch.assertExchange(d.exchange, d.type, d.options));
      } catch (e) {
        if (!isPreconditionFailed(e)) throw e;
        await withChannel(g.model, this.log, (ch) => ch.checkExchange(d.exchange));
        const text = `exchange '${d.exchange}' exists with other arguments; using it as it is`;
        this.warnOnce(`exchange:${d.exchange}`, text, e);
      }
    });
  }

  /** Forgets a declaration, e.g. after the broker said the queue is gone. */
  forget(key: `${'queue' | 'exchange'}:${string}`): void {
    this.done.delete(key);
  }

  private once(g: Generation, key: string, declare: () => Promise<void>): Promise<void> {
    // A straggler on a dead connection must not reset the cache of the live one; it fails on its own.
    if (g.id < this.generationId) return declare();
    if (g.id !== this.generationId) {
      // A new connection: the broker may have restarted and lost non-durable queues, so declare everything again.
      this.generationId = g.id;
      this.done.clear();
    }
    let p = this.done.get(key);
    if (!p) {
      p = declare();
      this.done.set(key, p);
      // A failed declaration is retried by the next caller rather than cached.
      p.catch(() => {
        if (this.done.get(key) === p) this.done.delete(key);
      });
    }
    return p;
  }

  private warnOnce(key: string, text: string, cause: unknown): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log('warn', `${text} (${errorMessage(cause)})`);
  }
}
