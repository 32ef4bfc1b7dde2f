/**
 * The brokers' side of a benchmark over the real topics (`features`, `y_true`, `y_pred`): the services the bench
 * starts as separate processes use the wire contract's names, so the bench must have those topics to itself.
 *
 * - RabbitMQ: the bench takes the same lock as the end-to-end tests that use the real queues (so the two wait for
 *   each other instead of stealing each other's messages), and deletes the queues before and after.
 * - NATS: the same lock (one lock for the real names on any broker), and the streams of the real topics are
 *   deleted before and after (see `withRealTopics`).
 */
import { connect, type NatsConnection } from 'nats';
import { deadLetterTopicName } from '../../src/core/topics.js';
import { NATS_DEFAULTS } from '../../src/transports/nats/index.js';
import { streamName } from '../../src/transports/nats/names.js';
import { brokerReachable } from '../../harness/brokers.js';
import { checkQueues, lockRealQueues, resetRealQueues, resetRealStreams } from '../../harness/realQueues.js';
import { deleteTopics } from '../../harness/amqpBroker.js';
import { AMQP_URL, NATS_URL } from './launch.js';
import type { BrokerTransport } from './options.js';

/** Why the broker of `t` cannot be used (printed loudly), or undefined when it answers. */
export async function unreachable(t: BrokerTransport): Promise<string | undefined> {
  const reason = await brokerReachable(
    t === 'amqp' ? 'rabbitmq' : 'nats',
    t === 'amqp' ? AMQP_URL : NATS_URL,
  );
  return reason === false ? undefined : reason;
}

async function withNats<T>(use: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: NATS_URL, name: 'rx-ml-pipeline-bench' });
  try {
    return await use(nc);
  } finally {
    await nc.close();
  }
}

/**
 * Runs `use` with the real topics of `t`'s broker to itself, emptied before and after. For NATS the real streams
 * are deleted, not purged: a stream on a subject stores what core NATS publishes there too, so a core run beside
 * leftover streams would make the server write every message to disk (and measure that). JetStream runs create
 * their streams again as they start.
 */
export async function withRealTopics<T>(t: BrokerTransport, use: () => Promise<T>): Promise<T> {
  const reset = t === 'amqp' ? (): Promise<void> => resetRealQueues() : () => resetRealStreams(NATS_URL);
  const release = await lockRealQueues();
  try {
    await reset();
    try {
      return await use();
    } finally {
      await reset();
    }
  } finally {
    await release();
  }
}

/** Dead letters waiting for `topic` on the broker of `t` (after a run that dead-letters on purpose). */
export async function deadLetterCount(t: 'amqp' | 'nats', topic: string): Promise<number | undefined> {
  if (t === 'amqp')
    return (await checkQueues([deadLetterTopicName(topic)])).get(deadLetterTopicName(topic))?.messages;
  return withNats(async (nc) => {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams
      .info(streamName(NATS_DEFAULTS.streamPrefix, topic, 'deadLetter'))
      .catch(() => undefined);
    return info?.state.messages;
  });
}

/** Removes what a raw ceiling run declared (its consumer normally does; this is for a run that broke). */
export async function removeRawTopic(t: BrokerTransport, name: string): Promise<void> {
  if (t === 'amqp') return deleteTopics([name]);
  if (t === 'nats')
    await withNats(async (nc) => {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(name).catch(() => undefined);
    });
}
