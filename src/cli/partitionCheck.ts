/**
 * Refuses to start a service whose --partitions differs from the pipeline already on the broker (records would
 * go to topics no metric reads, or a metric would wait on topics nobody fills), then declares the partition
 * topics of its own count so that the services started after it can tell. The rules: core/partitionCount.ts;
 * what the check can miss: docs/partitions.md.
 */
import {
  partitionCountMessage,
  partitionCountMismatch,
  partitionCountProbes,
  partitionTopicsToDeclare,
} from '../core/partitionCount.js';
import { openTopicAdmin, type TopicAdmin } from '../transports/topicAdmin.js';
import { brokerSettings, type TransportArgs } from './startup.js';
import { UsageError } from './usageError.js';

/**
 * Stops the service (a UsageError: exit 2) when the broker holds the partition topics of another count;
 * otherwise declares every partition topic of `count`, partition N−1 first. Does nothing on the transports that
 * keep no trace of a topic (memory, NATS core). A broker that cannot be reached is not a mismatch: the check is
 * skipped and the transport reports and retries as usual.
 */
export async function checkPartitionCount(args: TransportArgs, count: number): Promise<void> {
  const admin = await openTopicAdmin(await brokerSettings(args)).catch(() => undefined);
  if (admin === undefined) return;
  try {
    const mismatch = partitionCountMismatch(count, await existing(admin, partitionCountProbes(count)));
    if (mismatch !== undefined) throw new UsageError(partitionCountMessage(count, mismatch));
    // One at a time, in this order, and no further after a failure: partition 0's topics must never exist
    // without partition N−1's, or a service of this same count started now would take it for fewer.
    for (const topic of partitionTopicsToDeclare(count)) await admin.declare(topic);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    // The broker went away or refused: the transport meets the same and reports it.
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** The names among `probes` that exist, asked one at a time in their order (which the rules depend on). */
async function existing(admin: TopicAdmin, probes: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const name of probes) if (await admin.exists(name)) found.add(name);
  return found;
}
