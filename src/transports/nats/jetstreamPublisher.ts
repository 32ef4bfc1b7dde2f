/**
 * JetStream publishing: resolves once the stream has acknowledged the message (PubAck). Anything short of a
 * PubAck is retried with backoff and the same message id until the transport closes, so the server's
 * de-duplication window absorbs a retry whose first attempt did land (ack lost on a disconnect, ack timeout).
 * A full stream (discard: new) is retried the same way, which holds publishers back: back-pressure.
 * Many publishes may be in flight at once, pipelined over one inbox per connection (pubAcks.ts). The stream keeps them in the order
 * they were issued, except where a retry intervenes (a full stream, a lost ack): a retried message lands after
 * those sent meanwhile.
 */
import { ErrorCode, type MsgHdrs, type NatsConnection } from 'nats';
import { TransportClosedError } from '../../core/transport.js';
import { errorMessage } from '../../core/errors.js';
import type { NatsContext } from './context.js';
import { subjectOf, type StreamKind } from './names.js';
import { backoffDelayMs } from './options.js';
import { PubAcks } from './pubAcks.js';
import { jsErrorCode, NatsTopologyError, type JetStreamTopology } from './topology.js';

/** Store failed, e.g. "maximum messages exceeded" of a full stream (discard: new); insufficient resources. */
const STREAM_FULL_CODES: ReadonlySet<number> = new Set([10077, 10047]);
/** The message can never be stored: larger than the stream's max_msg_size. */
const REFUSED_CODES: ReadonlySet<number> = new Set([10054]);
const FATAL_CLIENT_CODES: ReadonlySet<string> = new Set([
  ErrorCode.MaxPayloadExceeded,
  ErrorCode.BadSubject,
  ErrorCode.BadHeader,
  ErrorCode.BadPayload,
  ErrorCode.PermissionsViolation,
]);

const FULL_STREAM_BACKOFF = { reconnectDelayMs: 5, maxReconnectDelayMs: 100, reconnectJitterMs: 10 };

type Outcome = 'retry' | 'full' | 'missing' | 'fatal';

function classify(e: unknown): Outcome {
  // The stream cannot be created as configured (e.g. more replicas than servers): retrying cannot fix it.
  if (e instanceof NatsTopologyError) return 'fatal';
  const api = jsErrorCode(e);
  if (api !== undefined) {
    if (STREAM_FULL_CODES.has(api)) return 'full';
    if (REFUSED_CODES.has(api)) return 'fatal';
    return 'retry';
  }
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && FATAL_CLIENT_CODES.has(code)) return 'fatal';
  // 503 without an API error: no stream listens on the subject (deleted, or a server restarted without its
  // store), or JetStream is not ready yet.
  if (code === ErrorCode.NoResponders) return 'missing';
  return 'retry';
}

export interface JetStreamPublishOptions {
  readonly msgID?: string;
  readonly headers?: MsgHdrs;
}

export class JetStreamPublisher {
  private readonly pubAcks = new WeakMap<NatsConnection, PubAcks>();

  constructor(
    private readonly ctx: NatsContext,
    private readonly topology: JetStreamTopology,
  ) {}

  private pubAcksOf(nc: NatsConnection): PubAcks {
    let acks = this.pubAcks.get(nc);
    if (acks === undefined) {
      acks = new PubAcks(nc, this.ctx.o.publishTimeoutMs);
      this.pubAcks.set(nc, acks);
    }
    return acks;
  }

  async publish(
    topic: string,
    kind: StreamKind,
    data: Uint8Array,
    opts: JetStreamPublishOptions = {},
  ): Promise<void> {
    const subject = subjectOf(topic, kind);
    let lastLog = 0;
    for (let attempt = 0; ; attempt++) {
      const nc = await this.ctx.conn.connected();
      let outcome: Outcome;
      try {
        await this.topology.stream(nc, topic, kind);
        await this.pubAcksOf(nc).publish(subject, data, opts.msgID, opts.headers);
        return;
      } catch (e) {
        if (this.ctx.conn.aborted) throw new TransportClosedError(this.ctx.name);
        outcome = classify(e);
        if (outcome === 'fatal') throw new Error(`cannot publish to ${subject}: ${errorMessage(e)}`);
        if (outcome === 'missing') this.topology.forget(topic, kind);
        if (outcome === 'full' && attempt === 0) this.ctx.waits.count(topic);
        // A full stream is ordinary back-pressure; other failures are worth a line now and then.
        const now = Date.now();
        if (outcome !== 'full' && now - lastLog > 10_000) {
          lastLog = now;
          this.ctx.log(
            'warn',
            `publish to ${subject} failed (attempt ${attempt + 1}), retrying: ${errorMessage(e)}`,
          );
        }
      }
      // A full stream drains as consumers ack: poll it briskly. Other failures back off like reconnects.
      await this.ctx.conn.sleep(
        outcome === 'full'
          ? backoffDelayMs(attempt, FULL_STREAM_BACKOFF)
          : backoffDelayMs(attempt, this.ctx.o),
      );
    }
  }
}
