/**
 * JetStream publishes as plain publishes with a reply subject, their PubAcks matched by token under one inbox
 * subscription per connection, and one timer for all their timeouts.
 *
 * Why not `js.publish`: nats.js turns each one into a request that captures an Error (a stack trace) up front for
 * a possible timeout and arms a timer of its own. At the pipeline's rates that was the top of the publishing
 * services' profiles (a third of features' CPU), and publishing bounded the JetStream pipeline. What a publish
 * means is unchanged: it resolves only on the stream's PubAck (the message is stored), and rejects on an error
 * reply, on "no responders" (no stream listens), on a timeout, or when the connection closes; the caller retries
 * with the same message id, which the stream's de-duplication window absorbs.
 */
import {
  createInbox,
  ErrorCode,
  headers as newHeaders,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
} from 'nats';

/** Header with the message id the stream de-duplicates on. */
const MSG_ID_HEADER = 'Nats-Msg-Id';

/** The stream refused the message: `api_error` carries its error (read by `jsErrorCode`). */
export class PubAckError extends Error {
  override readonly name = 'PubAckError';
  constructor(
    readonly api_error: { readonly code?: number; readonly err_code?: number; readonly description?: string },
  ) {
    super(`stream refused the message: ${api_error.description ?? 'unknown error'} (${api_error.err_code})`);
  }
}

/** A publish got no PubAck: `code` says why, as nats.js's errors do (`503`, `TIMEOUT`, `CONNECTION_CLOSED`). */
export class PubAckMissingError extends Error {
  override readonly name = 'PubAckMissingError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  readonly deadline: number;
}

export class PubAcks {
  private readonly prefix: string;
  private readonly pending = new Map<string, Pending>();
  private next = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.prefix = `${createInbox()}.`;
    const sub = nc.subscribe(`${this.prefix}*`, {
      callback: (err, msg) => err === null && this.onReply(msg),
    });
    void sub.closed.then(
      () => this.closeAll(),
      () => this.closeAll(),
    );
  }

  /** Publishes `data` to `subject` and resolves once the stream has stored it (its PubAck). */
  publish(subject: string, data: Uint8Array, msgID?: string, headers?: MsgHdrs): Promise<void> {
    if (this.closed)
      return Promise.reject(new PubAckMissingError(ErrorCode.ConnectionClosed, 'connection closed'));
    const token = (this.next++).toString(36);
    let h = headers;
    if (msgID !== undefined) {
      h ??= newHeaders();
      h.set(MSG_ID_HEADER, msgID);
    }
    return new Promise<void>((resolve, reject) => {
      // Throws for a message that can never be sent (too large, bad subject): the caller's promise rejects.
      this.nc.publish(subject, data, {
        reply: this.prefix + token,
        ...(h !== undefined ? { headers: h } : {}),
      });
      this.pending.set(token, { resolve, reject, deadline: performance.now() + this.timeoutMs });
      this.sweeper ??= setInterval(() => this.sweep(), Math.max(10, Math.min(250, this.timeoutMs / 4)));
    });
  }

  private onReply(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length);
    const p = this.pending.get(token);
    if (p === undefined) return; // timed out already: the retry carries the same message id
    this.pending.delete(token);
    const error = replyError(msg);
    if (error === undefined) p.resolve();
    else p.reject(error);
  }

  /** Rejects what has waited longer than the timeout; entries are in publish order, so deadlines ascend. */
  private sweep(): void {
    const now = performance.now();
    for (const [token, p] of this.pending) {
      if (p.deadline > now) break;
      this.pending.delete(token);
      p.reject(new PubAckMissingError(ErrorCode.Timeout, `no PubAck within ${this.timeoutMs} ms`));
    }
    if (this.pending.size === 0) this.stopSweeper();
  }

  private closeAll(): void {
    this.closed = true;
    this.stopSweeper();
    const error = new PubAckMissingError(ErrorCode.ConnectionClosed, 'connection closed before the PubAck');
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private stopSweeper(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}

/** What a reply says went wrong, or undefined for a PubAck. */
function replyError(msg: Msg): Error | undefined {
  // A status message without payload: nats-server's "no responders" (no stream captures the subject).
  if (msg.data.length === 0 && msg.headers?.code === 503)
    return new PubAckMissingError(ErrorCode.NoResponders, 'no stream listens on the subject (503)');
  let reply: { stream?: unknown; error?: PubAckError['api_error'] };
  try {
    reply = JSON.parse(
      Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength).toString('utf8'),
    ) as typeof reply;
  } catch {
    return new PubAckMissingError(ErrorCode.JetStreamInvalidAck, 'the PubAck is not JSON');
  }
  if (reply.error !== undefined) return new PubAckError(reply.error);
  if (typeof reply.stream !== 'string' || reply.stream === '')
    return new PubAckMissingError(ErrorCode.JetStreamInvalidAck, 'the PubAck names no stream');
  return undefined;
}
