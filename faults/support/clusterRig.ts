/**
 * The broker side of the cluster scenarios: a 3-node NATS cluster of the suite's own (routes, JetStream, free
 * loopback ports, own stores), services pointed at every node (`--url` lists all three) with `--replicas 3`.
 * No proxy: the services talk to the nodes directly, as they would in production, so that killing a node is what
 * moves them to another one.
 */
import { NATS_DEFAULTS } from '../../src/transports/nats/index.js';
import { streamName } from '../../src/transports/nats/names.js';
import { OwnNatsCluster } from '../../harness/natsCluster.js';
import { deleteTopicStreams } from '../../harness/natsServer.js';
import { deadLetterReasons, queueBacklog, streamCounts } from './natsStreams.js';
import { PIPELINE_TOPICS, type PipelineRig } from './rig.js';

export interface ClusterRig extends PipelineRig {
  readonly cluster: OwnNatsCluster;
  /** The node leading each of the pipeline's queue streams, by topic. */
  leaders(): Promise<Record<string, string>>;
  dispose(): Promise<void>;
}

export async function openClusterRig(): Promise<ClusterRig> {
  const cluster = await OwnNatsCluster.create(3);
  try {
    await cluster.start();
  } catch (e) {
    await cluster.dispose();
    throw e;
  }
  const topics = PIPELINE_TOPICS.map((t) => t.name);
  const prefix = NATS_DEFAULTS.streamPrefix;
  return {
    transport: 'nats',
    label: 'NATS JetStream, 3-node cluster',
    serviceArgs: ['--transport=nats', '--url', cluster.url, '--replicas', '3'],
    cluster,
    reset: async () => {
      await cluster.jetStreamReady();
      await deleteTopicStreams(cluster.url, prefix, topics);
    },
    backlog: async () => ({
      ...(await queueBacklog(cluster.url, topics)),
      deadLetters: await streamCounts(cluster.url, topics, 'deadLetter'),
    }),
    deadLetterReasons: (topic) => deadLetterReasons(cluster.url, topic),
    leaders: async () => {
      const out: Record<string, string> = {};
      for (const t of topics) out[t] = await cluster.leaderOf(streamName(prefix, t, 'queue'));
      return out;
    },
    dispose: () => cluster.dispose(),
  };
}

/**
 * The node to kill: for `leader`, the one leading most of the queue streams (ties: the first topic's leader);
 * for `follower`, one leading none of them, else the one leading fewest. Pure.
 */
export function pickNode(
  leaders: Readonly<Record<string, string>>,
  nodes: readonly string[],
  which: 'leader' | 'follower',
): string {
  const led = (n: string): number => Object.values(leaders).filter((l) => l === n).length;
  const ranked = [...nodes].sort((a, b) => led(b) - led(a));
  const first = Object.values(leaders)[0];
  if (which === 'leader')
    return first !== undefined && led(first) === led(ranked[0] ?? '') ? first : (ranked[0] ?? '');
  return ranked.at(-1) ?? '';
}
