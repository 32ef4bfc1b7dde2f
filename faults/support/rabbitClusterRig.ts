/**
 * The broker side of the RabbitMQ cluster scenario: a 3-node cluster of the suite's own (free loopback ports, own
 * stores), services pointed at every node (`--url` lists all three) with `--queue-type quorum`. No proxy: the
 * services talk to the nodes directly, so that stopping a node is what moves them to another one. The real queue
 * names are used, but on this cluster only: the shared broker's lock is not needed.
 */
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { deadLetterTopicName } from '../../src/core/topics.js';
import { deadLetterReasonOf } from '../../src/transports/amqp/topology.js';
import { useRawChannel } from '../../harness/amqpBroker.js';
import { OwnRabbitCluster } from '../../harness/rabbitCluster.js';
import { PIPELINE_TOPICS, type PipelineRig } from './rig.js';

export interface RabbitClusterRig extends PipelineRig {
  readonly cluster: OwnRabbitCluster;
  /** Seconds the cluster took to start, all nodes at once. */
  readonly startSeconds: number;
  dispose(): Promise<void>;
}

/** Runs `use` on a fresh channel of a connection to the first node that answers; failures reject. */
async function withChannel<T>(cluster: OwnRabbitCluster, use: (ch: Channel) => Promise<T>): Promise<T> {
  let conn: ChannelModel | undefined;
  for (const url of cluster.url.split(',')) {
    conn = await connect(url).catch(() => undefined);
    if (conn) break;
  }
  if (!conn) throw new Error('no node of the cluster answers');
  return useRawChannel(conn, use);
}

export async function openRabbitClusterRig(): Promise<RabbitClusterRig> {
  const cluster = await OwnRabbitCluster.create(3);
  let startSeconds: number;
  try {
    startSeconds = await cluster.start();
  } catch (e) {
    await cluster.dispose();
    throw e;
  }
  const names = PIPELINE_TOPICS.flatMap((t) => [t.name, deadLetterTopicName(t.name)]);
  const counts = async (): Promise<Map<string, number>> => {
    const out = new Map<string, number>();
    // A channel per queue: checking a missing queue closes its channel.
    for (const n of names)
      out.set(
        n,
        await withChannel(cluster, async (ch) => (await ch.checkQueue(n)).messageCount).catch(() => 0),
      );
    return out;
  };
  return {
    transport: 'amqp',
    label: 'RabbitMQ, 3-node cluster, quorum queues',
    serviceArgs: ['--transport=amqp', '--url', cluster.url, '--queue-type', 'quorum'],
    cluster,
    startSeconds,
    reset: async () => {
      for (const n of names) await withChannel(cluster, (ch) => ch.deleteQueue(n)).catch(() => undefined);
    },
    backlog: async () => {
      const c = await counts();
      return {
        queued: Object.fromEntries(PIPELINE_TOPICS.map((t) => [t.name, c.get(t.name) ?? 0])),
        deadLetters: Object.fromEntries(
          PIPELINE_TOPICS.map((t) => [t.name, c.get(deadLetterTopicName(t.name)) ?? 0]),
        ),
      };
    },
    // Read without acks: closing the connection puts them all back.
    deadLetterReasons: (topic) =>
      withChannel(cluster, async (ch) => {
        const reasons: string[] = [];
        for (;;) {
          const m = await ch
            .get(deadLetterTopicName(topic.name), { noAck: false })
            .catch(() => false as const);
          if (m === false) return reasons;
          reasons.push(deadLetterReasonOf(m.properties) ?? '');
        }
      }),
    dispose: () => cluster.dispose(),
  };
}
