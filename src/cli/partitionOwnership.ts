/**
 * A metric's ownership of its partition: with several partitions over RabbitMQ it holds the partition's lease
 * (see transports/amqp/partitionLease.ts) before it opens the log or consumes, and fails when the lease is lost.
 * On NATS JetStream the lease is a key of a key-value bucket (transports/nats/partitionLease.ts). With one
 * partition, in memory or on NATS core there is nothing to hold (docs/partitions.md says what that means).
 */
import { Observable } from 'rxjs';
import type { Logger } from '../core/log.js';
import { partitionLeaseName } from '../core/partitions.js';
import type { OwnedPartition } from './partitionOptions.js';
import type { TransportArgs } from './startup.js';
import { readTlsFiles } from './tlsFiles.js';

export interface Ownership {
  /** `service`, failing with the reason as soon as the ownership is lost. */
  guard<T>(service: Observable<T>): Observable<T>;
  release(): Promise<void>;
}

const NOTHING_HELD: Ownership = { guard: (s) => s, release: () => Promise.resolve() };

/** Waits for the partition; undefined when `signal` aborted the wait. */
export async function ownPartition(
  args: TransportArgs,
  owned: OwnedPartition,
  signal: AbortSignal,
  log: Logger,
): Promise<Ownership | undefined> {
  if (owned.count === 1) return NOTHING_HELD;
  const name = partitionLeaseName(owned.index);
  const settings = { url: args.url, tls: await readTlsFiles(args), name, signal, log };
  let lease: { readonly lost: Promise<Error>; release(): Promise<void> } | undefined;
  if (args.transport === 'amqp') {
    const { acquireAmqpLease } = await import('../transports/amqp/partitionLease.js');
    lease = await acquireAmqpLease(settings);
  } else if (args.transport === 'nats' && args.natsMode === 'jetstream') {
    const { acquireNatsLease } = await import('../transports/nats/partitionLease.js');
    lease = await acquireNatsLease(settings);
  } else return NOTHING_HELD; // memory: one process; NATS core: no JetStream to hold a lease in
  if (lease === undefined) return undefined;
  log('info', `metric: owns partition ${owned.index} of ${owned.count} (lease ${name})`);
  return {
    guard: <T>(service: Observable<T>) =>
      new Observable<T>((subscriber) => {
        const sub = service.subscribe(subscriber);
        void lease.lost.then((e) => subscriber.error(e));
        return sub;
      }),
    release: () => lease.release(),
  };
}
