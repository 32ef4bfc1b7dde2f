/**
 * Refuses to start a service whose --partitions differs from the pipeline already on the broker: records would
 * go to topics no metric reads, or a metric would wait on topics nobody fills. The check (RabbitMQ): the topics of
 * partition N (`y_true.<N>`, `y_pred.<N>`) exist only when a pipeline runs with more than N partitions, so a
 * service started with N stops, exit 2, when it finds them. See docs/partitions.md for what it can miss.
 */
import { tooManyPartitionsMarkers } from '../core/partitions.js';
import type { TransportArgs } from './startup.js';
import { readTlsFiles } from './tlsFiles.js';
import { UsageError } from './usageError.js';

export async function refuseOtherPartitionCount(args: TransportArgs, count: number): Promise<void> {
  if (args.transport !== 'amqp') return;
  const { existingQueues } = await import('../transports/amqp/queueExists.js');
  // An unreachable broker is not a mismatch: the transport then reports and retries as usual.
  const found = await existingQueues(tooManyPartitionsMarkers(count), {
    url: args.url,
    tls: await readTlsFiles(args),
  }).catch(() => []);
  if (found.length > 0)
    throw new UsageError(
      `--partitions ${count}, but the broker has ${found.join(' and ')}: a pipeline with more partitions uses ` +
        'it. Start every service with the same --partitions (or delete the partition queues of a pipeline that is gone).',
    );
}
