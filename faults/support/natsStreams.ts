/**
 * What a fault scenario reads back from JetStream at its end: messages left in the pipeline's streams and the
 * reasons its dead letters carry. Shared by the single-server rig and the cluster rig; `url` may list servers.
 */
import { connect } from 'nats';
import { DEAD_LETTER_REASON_HEADER, NATS_DEFAULTS } from '../../src/transports/nats/index.js';
import { streamName, type StreamKind } from '../../src/transports/nats/names.js';
import { splitUrlList } from '../../src/core/urlList.js';
import type { Topic } from '../../src/core/topics.js';
import { jsErrorCode, STREAM_NOT_FOUND } from '../../src/transports/nats/jsErrors.js';
import { retrying } from '../../harness/poll.js';

const prefix = NATS_DEFAULTS.streamPrefix;

/** Messages stored per topic in its stream of `kind` (0 where the stream does not exist). */
export async function streamCounts(
  url: string,
  topics: readonly string[],
  kind: StreamKind,
): Promise<Record<string, number>> {
  const nc = await connect({ servers: splitUrlList(url) });
  try {
    const jsm = await nc.jetstreamManager();
    const out: Record<string, number> = {};
    for (const t of topics)
      out[t] = await jsm.streams
        .info(streamName(prefix, t, kind))
        .then((i) => i.state.messages)
        .catch(() => 0);
    return out;
  } finally {
    await nc.close();
  }
}

/** What the work-queue streams of `topics` hold, split by whether their consumer has acknowledged it. */
export interface QueueBacklog {
  /** Messages a consumer has still to deliver, or has delivered and not seen acknowledged. */
  readonly queued: Record<string, number>;
  /**
   * Messages the stream still stores below its consumer's ack floor: processed and acknowledged, never delivered
   * again. nats-server 2.9 leaves such messages behind when a replica that missed the deletions becomes the
   * stream's leader after a node was killed.
   */
  readonly acknowledged: Record<string, number>;
}

/**
 * The work-queue backlog of `topics` (0 where a stream does not exist), asked again for up to `timeoutMs` while
 * the server does not answer (a cluster electing leaders).
 */
export function queueBacklog(
  url: string,
  topics: readonly string[],
  timeoutMs = 30_000,
): Promise<QueueBacklog> {
  return retrying(
    async () => {
      const nc = await connect({ servers: splitUrlList(url) });
      try {
        const jsm = await nc.jetstreamManager({ timeout: 2_000 });
        const out: QueueBacklog = { queued: {}, acknowledged: {} };
        for (const t of topics) {
          const name = streamName(prefix, t, 'queue');
          const info = await jsm.streams.info(name).catch((e: unknown) => {
            if (jsErrorCode(e) === STREAM_NOT_FOUND) return undefined;
            throw e;
          });
          if (info === undefined) {
            [out.queued[t], out.acknowledged[t]] = [0, 0];
            continue;
          }
          const consumers = [];
          for await (const c of jsm.consumers.list(name)) consumers.push(c);
          const stored = info.state.messages;
          const owed = Math.max(...consumers.map((c) => c.num_pending + c.num_ack_pending), 0);
          const floor = Math.min(...consumers.map((c) => c.ack_floor.stream_seq));
          // Stored messages beyond what is owed count as acknowledged only when the oldest lies below the floor;
          // without a consumer, everything stored is queued.
          const queued =
            consumers.length === 0 || info.state.first_seq > floor ? stored : Math.min(stored, owed);
          out.queued[t] = queued;
          out.acknowledged[t] = stored - queued;
        }
        return out;
      } finally {
        await nc.close();
      }
    },
    "the queues' backlog",
    { timeoutMs, intervalMs: 500 },
  );
}

/** The reasons of the dead letters of `topic`, read without removing them. */
export async function deadLetterReasons(url: string, topic: Topic): Promise<string[]> {
  const nc = await connect({ servers: splitUrlList(url) });
  try {
    const jsm = await nc.jetstreamManager();
    const stream = streamName(prefix, topic.name, 'deadLetter');
    const info = await jsm.streams.info(stream).catch(() => undefined);
    const reasons: string[] = [];
    if (info === undefined) return reasons;
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
      if (m) reasons.push(m.header.get(DEAD_LETTER_REASON_HEADER));
    }
    return reasons;
  } finally {
    await nc.close();
  }
}
