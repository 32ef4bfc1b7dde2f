/**
 * The dead letters of a topic in RabbitMQ: the durable queue `<topic>.dead_letter` (see topology.ts).
 *
 * - A walk reads with basic.get, one message at a time, and holds each one unacknowledged until it knows what to do
 *   with it. A dead letter left in place stays held until the end of the walk, then goes back with a nack (requeue):
 *   RabbitMQ puts a requeued message back in its original position. A replayed one is acked only once its publish
 *   is confirmed; a connection that dies in between hands every held message back to the queue.
 * - A walk covers the messages ready when it began (checkQueue's count), so dead letters that arrive meanwhile,
 *   replayed ones dead-lettered again included, wait for the next run.
 * - One plain connection, no recovery: a broker failure rejects.
 */
import type { Channel, ChannelModel, ConfirmChannel, GetMessage } from 'amqplib';
import { recordIdOf } from '../../core/deadLetters.js';
import type {
  DeadLetterAction,
  DeadLetterStore,
  StoredDeadLetter,
  WalkOptions,
  WalkResult,
} from '../../core/deadLetterStore.js';
import { deadLetterTopicName, type Topic } from '../../core/topics.js';
import type { TlsMaterial } from '../tlsMaterial.js';
import { connectFirst } from './connectFirst.js';
import { amqpTlsSocketOptions, queueTypeFor, resolveAmqpUrls, tlsFor } from './options.js';
import { deadLetterReasonOf, publishProperties, workQueueDeclaration, type QueueType } from './topology.js';
import { partitionTopicNamed } from '../../core/partitions.js';

/** Replays published before their confirms are awaited together: one round trip per batch, not per message. */
const CONFIRM_BATCH = 100;

/** amqplib's error for a queue that does not exist. */
const NOT_FOUND = 404;

const isNotFound = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { code?: unknown }).code === NOT_FOUND;

export interface AmqpDeadLetterOptions {
  /** @default AMQP_URL, else RABBITMQ_HOST, else localhost (as the transport) */
  readonly url?: string | undefined;
  /** Declare a missing work queue as the original services do (plain, non-durable). @default false */
  readonly legacyQueues?: boolean;
  /** Type of a missing work queue a replay declares. @default 'classic' */
  readonly queueType?: QueueType;
  /** CA, client certificate and key for an `amqps://` URL, as the transport takes them. @default none */
  readonly tls?: TlsMaterial | undefined;
}

export async function openAmqpDeadLetters(options: AmqpDeadLetterOptions): Promise<DeadLetterStore> {
  const legacy = options.legacyQueues ?? false;
  const queueType = queueTypeFor(options.queueType, legacy);
  const urls = resolveAmqpUrls(options.url, process.env);
  const tls = urls.map((u) => tlsFor(u, options.tls))[0];
  // Nagle off: a walk is a conversation of small frames (get, ack, publish), each held ~40 ms by Nagle otherwise.
  const model = await connectFirst(urls, { noDelay: true, ...amqpTlsSocketOptions(tls) });
  return new AmqpDeadLetterStore(model, legacy, queueType);
}

class AmqpDeadLetterStore implements DeadLetterStore {
  /** The first failure of the connection: every later operation rejects with it. */
  private failure: Error | undefined;

  constructor(
    private readonly model: ChannelModel,
    private readonly legacyQueues: boolean,
    private readonly queueType: QueueType,
  ) {
    model.on('error', (e: Error) => (this.failure ??= e));
    model.on('close', () => (this.failure ??= new Error('connection to RabbitMQ closed')));
  }

  where(topic: Topic): string {
    return deadLetterTopicName(topic.name);
  }

  async count(topic: Topic): Promise<number> {
    return (await this.checkQueue(this.where(topic))) ?? 0;
  }

  async walk(
    topic: Topic,
    visit: (letter: StoredDeadLetter) => DeadLetterAction,
    options: WalkOptions,
  ): Promise<WalkResult> {
    const queue = this.where(topic);
    const present = await this.checkQueue(queue);
    if (present === undefined || present === 0) return { visited: 0, kept: 0, complete: true };
    const ch = await this.confirmChannel();
    try {
      await this.ensureWorkQueue(topic.name);
      let returned: string | undefined;
      // A publish the broker could not route (the queue was deleted meanwhile) is returned, then confirmed.
      ch.on('return', () => (returned ??= `queue '${topic.name}' refused a replayed message`));
      const kept: GetMessage[] = [];
      let unconfirmed: GetMessage[] = [];
      const confirm = async (): Promise<void> => {
        if (unconfirmed.length === 0) return;
        await ch.waitForConfirms();
        if (returned !== undefined) throw new Error(returned);
        for (const m of unconfirmed) ch.ack(m);
        unconfirmed = [];
      };
      let visited = 0;
      let stopped = false;
      while (visited < present && kept.length < options.maxKept) {
        this.throwIfFailed();
        const m = await ch.get(queue, { noAck: false });
        if (m === false) {
          stopped = true;
          break;
        }
        visited++;
        const action = visit({ data: m.content, reason: deadLetterReasonOf(m.properties) ?? '' });
        if (action === 'stop') {
          kept.push(m);
          stopped = true;
          break;
        }
        if (action === 'keep') kept.push(m);
        else if (action === 'remove') ch.ack(m);
        else {
          const messageId: unknown = m.properties.messageId;
          const id = typeof messageId === 'string' ? messageId : recordIdOf(m.content);
          ch.sendToQueue(topic.name, m.content, { ...publishProperties(id), mandatory: true });
          unconfirmed.push(m);
          if (unconfirmed.length >= CONFIRM_BATCH) await confirm();
        }
      }
      await confirm();
      for (const m of kept) ch.nack(m, false, true);
      return { visited, kept: kept.length, complete: stopped || visited >= present };
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  async purge(topic: Topic): Promise<number> {
    const queue = this.where(topic);
    if ((await this.checkQueue(queue)) === undefined) return 0;
    const ch = await this.channel();
    try {
      return (await ch.purgeQueue(queue)).messageCount;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.model.close().catch(() => undefined);
  }

  /** The ready messages of `queue`, or undefined when it does not exist. */
  private async checkQueue(queue: string): Promise<number | undefined> {
    // A channel of its own: a missing queue closes the channel it was checked on.
    const ch = await this.channel();
    try {
      return (await ch.checkQueue(queue)).messageCount;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** A replay must not go to a queue that is not there: the default exchange would drop it, confirmed. */
  private async ensureWorkQueue(name: string): Promise<void> {
    if ((await this.checkQueue(name)) !== undefined) return;
    const ch = await this.channel();
    try {
      // A partition's queue is declared as its metric declares it, or their declarations would clash.
      const d = workQueueDeclaration(
        name,
        this.legacyQueues,
        this.queueType,
        partitionTopicNamed(name) !== undefined,
      );
      await ch.assertQueue(d.queue, d.options);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  private async channel(): Promise<Channel> {
    this.throwIfFailed();
    const ch = await this.model.createChannel();
    // The failing operation rejects with the same error; the event only must not crash the process.
    ch.on('error', () => undefined);
    return ch;
  }

  private async confirmChannel(): Promise<ConfirmChannel> {
    this.throwIfFailed();
    const ch = await this.model.createConfirmChannel();
    ch.on('error', () => undefined);
    return ch;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
