/**
 * The transport's one AMQP connection, kept alive by amqplib's recovery (exponential backoff with jitter).
 *
 * Each successful connection is a `Generation`: channels belong to one generation and die with it. Publishers and
 * consumers subscribe to generations and rebuild their channels and topology on each new one. The connection state
 * is a stream: `connecting`, then `reconnecting` while attempts fail or after a connection is lost, `connected`,
 * and finally `closed`.
 *
 * Failed attempts are retried only when waiting can help (see core/connectionFailure.ts): a permanent failure
 * (refused credentials, unknown virtual host, untrusted certificate) stops the retries and is handed, once, to
 * `onPermanentFailure`; waiting publishers and consumers then fail with it.
 */
import { connect, type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import { redactUrl } from '../../core/redact.js';
import { TransportClosedError, type ConnectionState } from '../../core/transport.js';
import { errorMessage } from '../../core/errors.js';
import {
  classifyConnectionError,
  type ConnectionContext,
  type PermanentConnectionError,
} from '../../core/connectionFailure.js';
import type { Logger } from '../../core/log.js';
import { amqpTlsSocketOptions, parseAmqpUrl, type ResolvedAmqpOptions } from './options.js';
import { writeCoalescer, type HoldWrites } from './writeCoalescer.js';
import { UrlRotation } from './urlRotation.js';

/** One live connection. `alive` turns false, for good, when it is lost or closed. */
export interface Generation {
  readonly id: number;
  readonly model: ChannelModel;
  alive: boolean;
  /** Call after handing frames to amqplib: the frames of this turn go out in one socket write. */
  readonly holdWrites: HoldWrites;
}

interface Waiter {
  readonly resolve: (g: Generation) => void;
  readonly reject: (e: Error) => void;
}

export class AmqpConnection {
  private readonly state = new BehaviorSubject<ConnectionState>('connecting');
  /** Replays the current state; completes after `closed`. */
  readonly state$: Observable<ConnectionState> = this.state.pipe(distinctUntilChanged());
  private current: Generation | undefined;
  private nextId = 1;
  private readonly listeners = new Set<(g: Generation) => void>();
  private waiters: Waiter[] = [];
  private closed = false;
  private closing: Promise<void> | undefined;
  /** The URL of the last attempt that failed, as logs may show it. */
  private lastFailed: string | undefined;
  /** Set once a permanent failure stopped the retries: what waiters are rejected with. */
  private failure: PermanentConnectionError | undefined;

  private constructor(
    private readonly recovering: RecoveringChannelModel,
    private readonly log: Logger,
    /** The broker URLs: the current one is where the live connection or the next attempt goes. */
    private readonly urls: UrlRotation,
    private readonly onPermanentFailure: ((e: PermanentConnectionError) => void) | undefined,
  ) {
    recovering.on('connect', (model: ChannelModel) => this.connected(model));
    recovering.on('disconnect', (err: Error) => {
      this.lost();
      this.log('warn', `connection to ${this.where} lost (${errorMessage(err)}); reconnecting`);
    });
    // Emitted before the retry is scheduled: a permanent failure stops recovery here, so no retry (and no
    // retry warning) follows it.
    recovering.on('connect-failed', (err: Error) => {
      this.lastFailed = this.where;
      const permanent = classifyConnectionError(err, this.context);
      if (permanent) this.fail(permanent);
      else if (!this.closed) this.state.next('reconnecting');
    });
    recovering.on('reconnect-scheduled', (info: { attempt: number; delay: number; error: Error }) => {
      // With a list, the attempt that failed and the next one are at different URLs: name both.
      const next = this.where;
      const text =
        this.lastFailed === undefined || this.lastFailed === next
          ? `connecting to ${next} again in ${info.delay} ms (attempt ${info.attempt}; ${errorMessage(info.error)})`
          : `${this.lastFailed}: ${errorMessage(info.error)}; connecting to ${next} in ${info.delay} ms ` +
            `(attempt ${info.attempt})`;
      // After a lost connection the first retry is expected; warn only when attempts keep failing.
      this.log(info.attempt > 1 || this.nextId === 1 ? 'warn' : 'info', text);
    });
    recovering.on('reconnect-failed', (err: Error) =>
      this.log('error', `gave up connecting to ${this.where}: ${errorMessage(err)}`),
    );
    recovering.on('error', (err: Error) => this.log('warn', `connection error: ${errorMessage(err)}`));
    recovering.on('handler-error', (err: Error, event: string) =>
      this.log('error', `bug: a '${event}' listener threw: ${errorMessage(err)}`),
    );
    recovering.on('blocked', (reason: string) =>
      this.log('warn', `broker blocked publishing (${reason}): publishes wait until it unblocks`),
    );
    recovering.on('unblocked', () => this.log('info', 'broker unblocked publishing'));
    // Registered last, so the lines above name the URL that failed: the next attempt goes to the next URL.
    recovering.on('connect-failed', () => urls.advance());
    recovering.on('disconnect', () => urls.advance());
  }

  /** What the classifier may know of the current URL. */
  private get context(): ConnectionContext {
    return connectionContext(this.urls.current());
  }

  /** The current URL as logs may show it. */
  private get where(): string {
    return this.context.url;
  }

  /** Starts connecting and resolves at once: the broker may come up later (docker compose starts all at once). */
  static async open(options: ResolvedAmqpOptions, log: Logger): Promise<AmqpConnection> {
    const r = options.reconnect;
    const tls = options.tls;
    const urls = new UrlRotation(options.urls);
    // One URL is given as it is; a list as the rotation's target, whose fields follow the URL in turn.
    const recovering = await connect(options.urls.length === 1 ? options.url : urls.target, {
      clientProperties: { connection_name: options.connectionName },
      // Without it Nagle's algorithm meets the broker's delayed ACKs: a publisher awaiting each confirm waits ~40 ms.
      noDelay: true,
      // amqplib applies it to the TCP connect and the handshake, and lifts it once the connection is open.
      timeout: options.connectTimeoutMs,
      // Used by amqplib on amqps:// URLs only (options.ts refuses them with amqp://).
      ...amqpTlsSocketOptions(tls),
      recovery: {
        waitForConnect: false,
        initialDelay: r.initialDelayMs,
        maxDelay: r.maxDelayMs,
        factor: r.factor,
        jitter: r.jitter,
        maxRetries: Infinity,
      },
    });
    return new AmqpConnection(recovering, log, urls, options.onPermanentFailure);
  }

  /** The live generation, if connected. */
  generation(): Generation | undefined {
    return this.current;
  }

  /** The live generation, or the next one; rejects with `TransportClosedError` once the connection is closed. */
  waitForGeneration(): Promise<Generation> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new TransportClosedError('amqp'));
    if (this.current) return Promise.resolve(this.current);
    return new Promise<Generation>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Calls `listener` with the live generation (if any) and with every new one until the returned stop is called. */
  onGeneration(listener: (g: Generation) => void): () => void {
    this.listeners.add(listener);
    if (this.current) listener(this.current);
    return () => this.listeners.delete(listener);
  }

  /** Closes the connection (channels die with it). Idempotent. `state$` then emits `closed` and completes. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.lost();
      const waiters = this.waiters.splice(0);
      for (const w of waiters) w.reject(new TransportClosedError('amqp'));
      try {
        await this.recovering.close();
      } catch (e) {
        this.log('warn', `closing the connection: ${errorMessage(e)}`);
      }
      this.state.next('closed');
      this.state.complete();
      this.log('info', `connection to ${this.where} closed`);
    })();
    return this.closing;
  }

  private connected(model: ChannelModel): void {
    if (this.closed) return;
    const g: Generation = { id: this.nextId++, model, alive: true, holdWrites: writeCoalescer(model) };
    this.current = g;
    this.log('info', `connected to ${this.where}`);
    this.state.next('connected');
    for (const w of this.waiters.splice(0)) w.resolve(g);
    for (const listener of [...this.listeners]) {
      if (!g.alive) break;
      try {
        listener(g);
      } catch (e) {
        this.log('error', `bug: a generation listener threw: ${errorMessage(e)}`);
      }
    }
  }

  /** Stops retrying for good: the failure goes to the handler (or the log), waiters are rejected with it. */
  private fail(failure: PermanentConnectionError): void {
    if (this.closed || this.failure) return;
    this.failure = failure;
    // Synchronous up to its first await: recovery is stopped before amqplib schedules the next attempt.
    this.recovering.close().catch(() => undefined);
    for (const w of this.waiters.splice(0)) w.reject(failure);
    if (this.onPermanentFailure) this.onPermanentFailure(failure);
    else this.log('error', failure.message);
  }

  private lost(): void {
    if (this.current) this.current.alive = false;
    this.current = undefined;
    if (!this.closed) this.state.next('reconnecting');
  }
}

/** What the classifier may know of the URL: shown redacted, with its user and virtual host. */
function connectionContext(url: string): ConnectionContext {
  const u = parseAmqpUrl(url);
  const shown = new URL(u.href);
  shown.search = '';
  const path = u.pathname.slice(1);
  return {
    broker: 'amqp',
    url: redactUrl(shown.href),
    user: u.username === '' ? 'guest' : decodeURIComponent(u.username),
    vhost: path === '' ? '/' : decodeURIComponent(path),
  };
}
