/**
 * Opens where a broker keeps dead letters, for `pipeline dead-letters`. Only the brokers that keep them beyond a
 * process: RabbitMQ and NATS JetStream. The broker adapters are imported on demand, as by createTransport.
 */
import type { DeadLetterStore } from '../core/deadLetterStore.js';
import type { BrokerSettings } from './createTransport.js';

/** The broker's settings: a replay that finds its topic's queue or stream gone re-creates it as the services would. */
export type DeadLetterStoreSettings = BrokerSettings;

/** Thrown for a transport whose dead letters do not outlive the process that wrote them. */
export class NoDeadLetterStoreError extends Error {
  override readonly name = 'NoDeadLetterStoreError';
}

/** Why `settings` name no store, or undefined when they name one. */
export function noStoreReason(
  settings: Pick<DeadLetterStoreSettings, 'kind' | 'natsMode'>,
): string | undefined {
  if (settings.kind === 'memory')
    return 'the memory transport keeps dead letters inside its one process: they are gone when it ends';
  if (settings.kind === 'nats' && settings.natsMode === 'core')
    return 'core NATS stores nothing: a dead letter is gone unless a subscriber was listening';
  return undefined;
}

/** Connects; rejects when the broker cannot be reached (no retries: someone is waiting for the answer). */
export async function openDeadLetterStore(settings: DeadLetterStoreSettings): Promise<DeadLetterStore> {
  const refused = noStoreReason(settings);
  if (refused !== undefined) throw new NoDeadLetterStoreError(refused);
  if (settings.kind === 'amqp') {
    const { openAmqpDeadLetters } = await import('./amqp/deadLetterStore.js');
    return openAmqpDeadLetters({
      url: settings.url,
      legacyQueues: settings.legacyQueues ?? false,
      queueType: settings.queueType ?? 'classic',
      tls: settings.tls,
    });
  }
  const { openNatsDeadLetters } = await import('./nats/deadLetterStore.js');
  return openNatsDeadLetters({ url: settings.url, tls: settings.tls, replicas: settings.replicas });
}
