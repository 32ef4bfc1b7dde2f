/**
 * Picks and connects the transport a command asked for. Broker adapters are imported on demand, so the
 * in-memory demo never loads amqplib or nats.
 */
import type { Logger } from '../core/log.js';
import type { Transport } from '../core/transport.js';
import { MemoryTransport } from './memory/memoryTransport.js';

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
  readonly logger?: Logger;
}

export async function createTransport(settings: TransportSettings): Promise<Transport> {
  switch (settings.kind) {
    case 'memory':
      return new MemoryTransport();
    case 'amqp': {
      const { createAmqpTransport } = await import('./amqp/index.js');
      return createAmqpTransport({
        ...(settings.url !== undefined ? { url: settings.url } : {}),
        ...(settings.legacyQueues !== undefined ? { legacyQueues: settings.legacyQueues } : {}),
        ...(settings.logger ? { logger: settings.logger } : {}),
      });
    }
    case 'nats': {
      const { createNatsTransport } = await import('./nats/index.js');
      return createNatsTransport({
        ...(settings.url !== undefined ? { url: settings.url } : {}),
        mode: settings.natsMode ?? 'jetstream',
        ...(settings.replicas !== undefined ? { replicas: settings.replicas } : {}),
        ...(settings.logger ? { logger: settings.logger } : {}),
      });
    }
  }
}
