/**
 * What a fault scenario reads back from JetStream at its end: messages left in the pipeline's streams and the
 * reasons its dead letters carry. Shared by the single-server rig and the cluster rig; `url` may list servers.
 */
import { connect } from 'nats';
import { DEAD_LETTER_REASON_HEADER, NATS_DEFAULTS } from '../../src/transports/nats/index.js';
import { streamName, type StreamKind } from '../../src/transports/nats/names.js';
import { splitUrlList } from '../../src/core/urlList.js';
import type { Topic } from '../../src/core/topics.js';

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
