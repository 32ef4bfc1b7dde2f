/**
 * Refuses to start a service whose --partitions differs from the pipeline already on the broker: records would
 * go to topics no metric reads, or a metric would wait on topics nobody fills. The check: the topics of partition
 * N (`y_true.<N>`, `y_pred.<N>`: RabbitMQ queues, JetStream streams) exist only when a pipeline runs with more
 * than N partitions, so a service started with N stops, exit 2, when it finds them. See docs/partitions.md for
 * what it can miss.
 */
import { tooManyPartitionsMarkers } from '../core/partitions.js';
import type { TransportArgs } from './startup.js';
import { readTlsFiles } from './tlsFiles.js';
import { UsageError } from './usageError.js';

export async function refuseOtherPartitionCount(args: TransportArgs, count: number): Promise<void> {
  const markers = tooManyPartitionsMarkers(count);
  const where = { url: args.url, tls: await readTlsFiles(args) };
  let found: string[];
  // An unreachable broker is not a mismatch: the transport then reports and retries as usual.
  if (args.transport === 'amqp') {
    const { existingQueues } = await import('../transports/amqp/queueExists.js');
    found = await existingQueues(markers, where).catch(() => []);
  } else if (args.transport === 'nats' && args.natsMode === 'jetstream') {
    const { topicsWithStreams } = await import('../transports/nats/streamsExist.js');
    found = await topicsWithStreams(markers, where).catch(() => []);
  } else return; // memory: one process; NATS core keeps no trace of a topic
  if (found.length > 0)
    throw new UsageError(
      `--partitions ${count}, but the broker has ${found.join(' and ')}: a pipeline with more partitions uses ` +
        'it. Start every service with the same --partitions (or delete the partition queues of a pipeline that is gone).',
    );
}
