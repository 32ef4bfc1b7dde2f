/**
 * The dead letters of a topic in JetStream: the stream `PIPELINE_<topic>_dead_letter` (see names.ts).
 *
 * - A walk reads by stream sequence with the stream's message-get API (`next_by_subj` skips deleted sequences on
 *   the server), which leaves the message where it is and holds nothing: a dead letter left in place costs the walk
 *   nothing, and no consumer is involved (a work-queue stream allows one consumer per subject, which may be taken).
 * - A walk covers the sequences that were there when it began (up to the stream's last sequence then).
 * - A replay publishes with the message id `replay:<stream>:<sequence>` and waits for the PubAck, then deletes
 *   the dead letter. Not the record's own id: a dead letter is often younger than the topic stream's duplicate
 *   window (2 min), which would drop its replay as a copy of the original. With this id, a replay repeated after
 *   an interrupted one (kill -9 between PubAck and delete) is dropped by the same window instead.
 * - One plain connection, no reconnect: a broker failure rejects.
 */
import {
  connect,
  type JetStreamClient,
  type JetStreamManager,
  type MsgRequest,
  type NatsConnection,
} from 'nats';
import type {
  DeadLetterAction,
  DeadLetterStore,
  StoredDeadLetter,
  WalkOptions,
  WalkResult,
} from '../../core/deadLetterStore.js';
import type { Topic } from '../../core/topics.js';
import { abortableSleep } from '../../core/abortableSleep.js';
import type { TlsMaterial } from '../tlsMaterial.js';
import { natsAuthOptions } from './authOptions.js';
import { readDeadLetterReason } from './deadLetter.js';
import { streamName, subjectOf } from './names.js';
import { resolveNatsOptions, type ResolvedNatsOptions } from './options.js';
import { JetStreamTopology } from './topology.js';
import { jsErrorCode, STREAM_NOT_FOUND } from './jsErrors.js';

const NO_MESSAGE_FOUND = 10037;
/** A full topic stream (discard: new): consumers are behind; the replay waits for room. */
const STREAM_FULL_CODES: ReadonlySet<number> = new Set([10077, 10047]);
/** How long a replay waits for room in a full topic stream before it gives up. */
const FULL_STREAM_PATIENCE_MS = 60_000;
const FULL_STREAM_POLL_MS = 200;

export interface NatsDeadLetterOptions {
  /** @default NATS_URL, else nats://127.0.0.1:4222 (credentials as the transport takes them) */
  readonly url?: string | undefined;
  /** CA, client certificate and key; given any, TLS is required, as by the transport. @default none */
  readonly tls?: TlsMaterial | undefined;
  /** Replicas of a topic stream that a replay re-creates (the services' `--replicas`). @default 1 */
  readonly replicas?: number | undefined;
}

export async function openNatsDeadLetters(options: NatsDeadLetterOptions): Promise<DeadLetterStore> {
  const o = resolveNatsOptions(
    {
      ...(options.url !== undefined ? { url: options.url } : {}),
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
      ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
    },
    process.env,
  );
  const nc = await connect({
    servers: [...o.servers],
    name: `${o.name}-dead-letters`,
    ...natsAuthOptions(o),
    // As the transport: given TLS material (or a tls:// URL), a server without TLS is refused, not used in clear.
    ...(o.tls !== undefined ? { tls: { ...o.tls } } : {}),
    reconnect: false,
    timeout: o.publishTimeoutMs,
  });
  const jsm = await nc.jetstreamManager({ timeout: o.publishTimeoutMs });
  return new NatsDeadLetterStore(nc, jsm, nc.jetstream({ timeout: o.publishTimeoutMs }), o);
}

class NatsDeadLetterStore implements DeadLetterStore {
  /** Creates a topic's stream, as the services would, should a replay find it missing. */
  private readonly topology: JetStreamTopology;

  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly o: ResolvedNatsOptions,
  ) {
    this.topology = new JetStreamTopology(o, o.logger);
  }

  where(topic: Topic): string {
    return streamName(this.o.streamPrefix, topic.name, 'deadLetter');
  }

  async count(topic: Topic): Promise<number> {
    return (await this.state(topic))?.messages ?? 0;
  }

  async walk(
    topic: Topic,
    visit: (letter: StoredDeadLetter) => DeadLetterAction,
    options: WalkOptions,
  ): Promise<WalkResult> {
    const stream = this.where(topic);
    const state = await this.state(topic);
    if (state === undefined || state.messages === 0) return { visited: 0, kept: 0, complete: true };
    const subject = subjectOf(topic.name, 'deadLetter');
    let visited = 0;
    let kept = 0;
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      if (kept >= options.maxKept) return { visited, kept, complete: false };
      // The API takes next_by_subj (nats-server 2.9 and later); nats.js types it for direct gets only.
      const query = { seq, next_by_subj: subject } as unknown as MsgRequest;
      const m = await this.jsm.streams.getMessage(stream, query).catch((e: unknown) => {
        if (jsErrorCode(e) === NO_MESSAGE_FOUND) return undefined;
        throw e;
      });
      if (m === undefined || m.seq > state.last_seq) break;
      seq = m.seq;
      visited++;
      const action = visit({ data: m.data, reason: readDeadLetterReason(m.header) });
      if (action === 'stop') return { visited, kept: kept + 1, complete: true };
      if (action === 'keep') {
        kept++;
        continue;
      }
      if (action === 'replay') {
        // Without its stream, nothing would store the replay: the publish would find no responder.
        await this.topology.stream(this.nc, topic.name, 'queue');
        await this.publish(subjectOf(topic.name, 'queue'), m.data, `replay:${stream}:${m.seq}`);
      }
      await this.jsm.streams.deleteMessage(stream, m.seq, false);
    }
    return { visited, kept, complete: true };
  }

  async purge(topic: Topic): Promise<number> {
    const state = await this.state(topic);
    if (state === undefined || state.messages === 0) return 0;
    // Up to the last sequence counted: a dead letter stored meanwhile is not removed unseen.
    return (await this.jsm.streams.purge(this.where(topic), { seq: state.last_seq + 1 })).purged;
  }

  async close(): Promise<void> {
    await this.nc.close();
  }

  private async state(
    topic: Topic,
  ): Promise<{ messages: number; first_seq: number; last_seq: number } | undefined> {
    try {
      return (await this.jsm.streams.info(this.where(topic))).state;
    } catch (e) {
      if (jsErrorCode(e) === STREAM_NOT_FOUND) return undefined;
      throw e;
    }
  }

  /** Publishes to the topic's stream and waits for its PubAck; a full stream is waited for, a while. */
  private async publish(subject: string, data: Uint8Array, msgID: string): Promise<void> {
    const deadline = Date.now() + FULL_STREAM_PATIENCE_MS;
    for (;;) {
      try {
        // A duplicate PubAck means an earlier replay of this very dead letter was stored: done as well.
        await this.js.publish(subject, data, { msgID });
        return;
      } catch (e) {
        const code = jsErrorCode(e);
        if (code === undefined || !STREAM_FULL_CODES.has(code) || Date.now() > deadline) throw e;
        await abortableSleep(FULL_STREAM_POLL_MS);
      }
    }
  }
}
