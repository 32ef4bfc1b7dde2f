/**
 * Picks and connects the transport a command asked for. Broker adapters are imported on demand, so the
 * in-memory demo never loads amqplib or nats.
 */
import type { Logger } from '../core/log.js';
import type { PermanentConnectionError } from '../core/connectionFailure.js';
import type { Transport } from '../core/transport.js';
import { MemoryTransport } from './memory/memoryTransport.js';
import type { TlsMaterial } from './tlsMaterial.js';
import type { QueueType } from './amqp/topology.js';

export const TRANSPORT_KINDS = ['memory', 'amqp', 'nats'] as const;
export type TransportKind = (typeof TRANSPORT_KINDS)[number];
export const NATS_MODES = ['jetstream', 'core'] as const;
export type NatsMode = (typeof NATS_MODES)[number];

export interface TransportSettings {
  readonly kind: TransportKind;
  /** Broker URL; defaults come from the environment (AMQP_URL / RABBITMQ_HOST, NATS_URL) in each adapter. */
  readonly url?: string | undefined;
  readonly natsMode?: NatsMode;
  /** NATS JetStream: replicas of the streams the transport creates (1, 3 or 5). */
  readonly replicas?: number;
  /** RabbitMQ: declare plain non-durable queues exactly as the original Python services do. */
  readonly legacyQueues?: boolean;
  /** RabbitMQ: type of the work and dead-letter queues (classic or quorum). */
  readonly queueType?: QueueType;
  /** Brokers: CA, client certificate and key (amqps:// URLs; NATS then requires TLS). */
  readonly tls?: TlsMaterial | undefined;
  /** Brokers: called once when the connection can never succeed as configured; retries have stopped. */
  readonly onPermanentFailure?: (error: PermanentConnectionError) => void;
  readonly logger?: Logger;
}

/**
 * What names a broker and how its topics are declared, without the callbacks: what the short-lived broker clients
 * (the partition count check's topic admin, the dead-letter store) share with the transport.
 */
export type BrokerSettings = Pick<
  TransportSettings,
  'kind' | 'url' | 'natsMode' | 'replicas' | 'legacyQueues' | 'queueType' | 'tls'
>;

export async function createTransport(settings: TransportSettings): Promise<Transport> {
  switch (settings.kind) {
    case 'memory':
      return new MemoryTransport();
    case 'amqp': {
      const { createAmqpTransport } = await import('./amqp/index.js');
      return createAmqpTransport({
        ...(settings.url !== undefined ? { url: settings.url } : {}),
        ...(settings.legacyQueues !== undefined ? { legacyQueues: settings.legacyQueues } : {}),
        ...(settings.queueType !== undefined ? { queueType: settings.queueType } : {}),
        ...brokerExtras(settings),
      });
    }
    case 'nats': {
      const { createNatsTransport } = await import('./nats/index.js');
      return createNatsTransport({
        ...(settings.url !== undefined ? { url: settings.url } : {}),
        mode: settings.natsMode ?? 'jetstream',
        ...(settings.replicas !== undefined ? { replicas: settings.replicas } : {}),
        ...brokerExtras(settings),
      });
    }
  }
}

/** The settings both brokers take alike, where given. */
function brokerExtras(
  settings: TransportSettings,
): Pick<TransportSettings, 'tls' | 'onPermanentFailure' | 'logger'> {
  return {
    ...(settings.tls ? { tls: settings.tls } : {}),
    ...(settings.onPermanentFailure ? { onPermanentFailure: settings.onPermanentFailure } : {}),
    ...(settings.logger ? { logger: settings.logger } : {}),
  };
}
