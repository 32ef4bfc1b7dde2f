/**
 * Asking a broker which queue topics exist, and declaring some before any service uses them, on a short-lived
 * connection of its own: what the partition count check needs at start (src/cli/partitionCheck.ts). Only the
 * brokers that keep a topic beyond a process have one: RabbitMQ and NATS JetStream. The adapters are imported
 * on demand, as by createTransport.
 */
import type { Topic } from '../core/topics.js';
import type { BrokerSettings } from './createTransport.js';

export interface TopicAdmin {
  /** Whether the queue topic named `name` exists (a RabbitMQ queue, a JetStream stream). */
  exists(name: string): Promise<boolean>;
  /**
   * Declares the queue topic as the transport of the same settings would (queue arguments, stream limits); one
   * that exists is used as it is. Resolves once the broker has it.
   */
  declare(topic: Topic): Promise<void>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** The settings of the transport whose declarations the admin makes. */
export type TopicAdminSettings = BrokerSettings;

/**
 * Connects (one attempt per URL, no retries); rejects when the broker cannot be reached. Undefined for the
 * transports that keep no trace of a topic: memory (one process) and NATS core.
 */
export async function openTopicAdmin(settings: TopicAdminSettings): Promise<TopicAdmin | undefined> {
  const { kind, url, tls } = settings;
  if (kind === 'amqp') {
    const { openAmqpTopicAdmin } = await import('./amqp/topicAdmin.js');
    return openAmqpTopicAdmin({
      url,
      tls,
      legacyQueues: settings.legacyQueues ?? false,
      queueType: settings.queueType ?? 'classic',
    });
  }
  if (kind === 'nats' && (settings.natsMode ?? 'jetstream') === 'jetstream') {
    const { openNatsTopicAdmin } = await import('./nats/topicAdmin.js');
    return openNatsTopicAdmin({
      url,
      tls,
      ...(settings.replicas !== undefined ? { replicas: settings.replicas } : {}),
    });
  }
  return undefined;
}
