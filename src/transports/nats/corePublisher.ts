/**
 * Core NATS publishing with back-pressure. A core publish only appends to the client's outbound buffer, which
 * would grow without bound under a fast producer (and is thrown away on a reconnect). So every `flushEvery`
 * publishes a flush (a PING/PONG round trip) starts, and publishers that get that far ahead of the last
 * round trip wait for it: at most about 2 × flushEvery messages are unconfirmed by the server at any time.
 * While disconnected, publishers wait for the reconnect instead of filling a buffer that will be discarded.
 */
import { encodeEnvelope } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import { ErrorCode, type MsgHdrs, type NatsConnection } from 'nats';
import { TransportClosedError } from '../../core/transport.js';
import { errorMessage } from '../../core/errors.js';
import type { NatsContext } from './context.js';

/** Error codes nats.js throws from publish() that mean the message can never be sent as it is. */
const FATAL_PUBLISH_CODES: ReadonlySet<string> = new Set([
  ErrorCode.MaxPayloadExceeded,
  ErrorCode.BadSubject,
  ErrorCode.BadHeader,
  ErrorCode.BadPayload,
]);

export class CorePublisher {
  private sinceFlush = 0;
  private flushing: Promise<void> | undefined;

  constructor(private readonly ctx: NatsContext) {}

  /** Resolves once the message is written to the connection; waits while too far ahead of the server. */
  async publish(subject: string, data: Uint8Array, headers?: MsgHdrs): Promise<void> {
    for (;;) {
      const nc = await this.ctx.conn.connected();
      if (this.flushing !== undefined && this.sinceFlush >= this.ctx.o.flushEvery) {
        this.ctx.waits.count(subject);
        await this.flushing;
        continue;
      }
      try {
        nc.publish(subject, data, headers === undefined ? undefined : { headers });
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (typeof code === 'string' && FATAL_PUBLISH_CODES.has(code))
          throw new Error(`cannot publish to ${subject}: ${errorMessage(e)}`);
        // Closed or draining under us: a reconnecting connection is replaced; a closing transport says so.
        if (this.ctx.conn.aborted) throw new TransportClosedError(this.ctx.name);
        await this.ctx.conn.sleep(50);
        continue;
      }
      if (++this.sinceFlush >= this.ctx.o.flushEvery && this.flushing === undefined) this.startFlush(nc);
      return;
    }
  }

  /**
   * `Transport.tryPublish` for plain subjects: encodes and publishes at once, or returns false, having sent nothing
   * (closing, not encodable, too large, or not connected), so that the caller falls back to `publish`.
   */
  tryPublishEnvelope<B>(subject: string, envelope: Envelope<B>): boolean {
    if (this.ctx.isClosing) return false;
    let data: Uint8Array;
    try {
      data = encodeEnvelope(envelope);
    } catch {
      return false;
    }
    return data.byteLength <= this.ctx.o.maxMessageBytes && this.tryPublish(subject, data);
  }

  /**
   * Publishes at once when connected and not too far ahead of the server; returns false, having sent nothing,
   * when the caller must use `publish` (which waits, or reports why the message cannot be sent).
   */
  tryPublish(subject: string, data: Uint8Array): boolean {
    const nc = this.ctx.conn.current;
    if (nc === undefined || (this.flushing !== undefined && this.sinceFlush >= this.ctx.o.flushEvery))
      return false;
    try {
      nc.publish(subject, data);
    } catch {
      return false;
    }
    if (++this.sinceFlush >= this.ctx.o.flushEvery && this.flushing === undefined) this.startFlush(nc);
    return true;
  }

  private startFlush(nc: NatsConnection): void {
    this.sinceFlush = 0;
    this.flushing = nc
      .flush()
      .catch(async (e: unknown) => {
        // A flush fails on a disconnect; what it covered may be lost (core NATS is at-most-once). Hold the
        // publishers until the connection is back rather than let them fill a buffer that will be discarded.
        this.ctx.log('debug', `flush failed: ${errorMessage(e)}`);
        await this.ctx.conn.connected().catch(() => undefined);
      })
      .finally(() => {
        this.flushing = undefined;
      });
  }
}
