/**
 * The NATS JetStream side of topicAdmin.ts: a queue topic exists when its stream does (named as the transport
 * names it: names.ts), and is declared by creating that stream as the transport creates it (topology.ts).
 */
import { connect, type NatsConnection } from 'nats';
import type { Topic } from '../../core/topics.js';
import type { TopicAdmin } from '../topicAdmin.js';
import type { TlsMaterial } from '../tlsMaterial.js';
import { natsConnectOptions } from './connectOptions.js';
import { jsErrorCode, STREAM_NOT_FOUND } from './jsErrors.js';
import { streamName } from './names.js';
import { resolveNatsOptions, type ResolvedNatsOptions } from './options.js';
import { JetStreamTopology } from './topology.js';

export interface NatsTopicAdminOptions {
  readonly url?: string | undefined;
  readonly tls?: TlsMaterial | undefined;
  /** Replicas of the streams it creates, as the transport's. @default 1 */
  readonly replicas?: number;
}

export async function openNatsTopicAdmin(options: NatsTopicAdminOptions): Promise<TopicAdmin> {
  const o = resolveNatsOptions(
    {
      ...(options.url !== undefined ? { url: options.url } : {}),
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
      ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
      // The transport logs the same about these streams when it ensures them itself.
      logger: () => undefined,
    },
    process.env,
  );
  const nc = await connect({
    ...natsConnectOptions(o, () => 1000),
    name: 'partition check',
    reconnect: false,
  });
  return new NatsTopicAdmin(nc, o);
}

class NatsTopicAdmin implements TopicAdmin {
  private readonly topology: JetStreamTopology;

  constructor(
    private readonly nc: NatsConnection,
    private readonly o: ResolvedNatsOptions,
  ) {
    this.topology = new JetStreamTopology(o, o.logger);
  }

  async exists(name: string): Promise<boolean> {
    const jsm = await this.topology.manager(this.nc);
    try {
      await jsm.streams.info(streamName(this.o.streamPrefix, name, 'queue'));
      return true;
    } catch (e) {
      if (jsErrorCode(e) === STREAM_NOT_FOUND) return false;
      throw e;
    }
  }

  async declare(topic: Topic): Promise<void> {
    await this.topology.stream(this.nc, topic.name, 'queue');
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}
