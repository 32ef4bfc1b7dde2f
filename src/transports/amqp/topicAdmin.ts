/**
 * The RabbitMQ side of topicAdmin.ts: queues asked about and declared on a plain connection of its own. A passive
 * declare of a missing queue makes RabbitMQ close the channel with 404, and a declaration that differs from the
 * existing queue closes it with 406, so every question and declaration gets a fresh channel.
 */
import type { Channel, ChannelModel } from 'amqplib';
import type { Topic } from '../../core/topics.js';
import type { TopicAdmin } from '../topicAdmin.js';
import type { TlsMaterial } from '../tlsMaterial.js';
import { connectFirst } from './connectFirst.js';
import { amqpTlsSocketOptions, resolveAmqpOptions } from './options.js';
import { isPreconditionFailed, workQueueDeclarations, type QueueType } from './topology.js';

const isNotFound = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 404;

export interface AmqpTopicAdminOptions {
  readonly url?: string | undefined;
  readonly tls?: TlsMaterial | undefined;
  readonly legacyQueues: boolean;
  readonly queueType: QueueType;
}

export async function openAmqpTopicAdmin(options: AmqpTopicAdminOptions): Promise<TopicAdmin> {
  const o = resolveAmqpOptions(
    {
      ...(options.url !== undefined ? { url: options.url } : {}),
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
      legacyQueues: options.legacyQueues,
      queueType: options.queueType,
    },
    process.env,
  );
  const conn = await connectFirst(o.urls, {
    clientProperties: { connection_name: 'partition check' },
    ...amqpTlsSocketOptions(o.tls),
  });
  conn.on('error', () => undefined); // a failed operation is reported through its rejection
  return new AmqpTopicAdmin(conn, o.legacyQueues, o.queueType);
}

class AmqpTopicAdmin implements TopicAdmin {
  constructor(
    private readonly conn: ChannelModel,
    private readonly legacyQueues: boolean,
    private readonly queueType: QueueType,
  ) {}

  async exists(name: string): Promise<boolean> {
    try {
      await this.onChannel((ch) => ch.checkQueue(name));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async declare(topic: Topic): Promise<void> {
    const { legacyQueues, queueType } = this;
    for (const d of workQueueDeclarations(topic.name, legacyQueues, queueType, topic.singleActiveConsumer)) {
      try {
        await this.onChannel((ch) => ch.assertQueue(d.queue, d.options));
      } catch (e) {
        // Another type or other arguments: used as it is, as the transport does (which warns when it declares it).
        if (!isPreconditionFailed(e)) throw e;
      }
    }
  }

  async close(): Promise<void> {
    await this.conn.close();
  }

  private async onChannel<T>(use: (ch: Channel) => Promise<T>): Promise<T> {
    const ch = await this.conn.createChannel();
    ch.on('error', () => undefined); // a 404 or 406 arrives as an event as well as the rejection
    try {
      return await use(ch);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }
}
