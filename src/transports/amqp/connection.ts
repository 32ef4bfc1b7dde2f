/**
 * The transport's one AMQP connection, kept alive by amqplib's recovery (exponential backoff with jitter).
 *
 * Each successful connection is a `Generation`: channels belong to one generation and die with it. Publishers and
 * consumers subscribe to generations and rebuild their channels and topology on each new one. The connection state
 * is a stream: `connecting`, then `reconnecting` while attempts fail or after a connection is lost, `connected`,
 * and finally `closed`.
 */
import { connect, type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import { redactUrl } from '../../core/redact.js';
import { TransportClosedError, type ConnectionState } from '../../core/transport.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { ResolvedAmqpOptions } from './options.js';
import { writeCoalescer, type HoldWrites } from './writeCoalescer.js';

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

  private constructor(
    private readonly recovering: RecoveringChannelModel,
    private readonly log: Logger,
    private readonly where: string,
  ) {
    recovering.on('connect', (model: ChannelModel) => this.connected(model));
    recovering.on('disconnect', (err: Error) => {
      this.lost();
      this.log('warn', `connection to ${this.where} lost (${errorMessage(err)}); reconnecting`);
    });
    recovering.on('connect-failed', () => {
      if (!this.closed) this.state.next('reconnecting');
    });
    recovering.on('reconnect-scheduled', (info: { attempt: number; delay: number; error: Error }) => {
      const text = `connecting to ${this.where} again in ${info.delay} ms (attempt ${info.attempt}; ${errorMessage(info.error)})`;
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
  }

  /** Starts connecting and resolves at once: the broker may come up later (docker compose starts all at once). */
  static async open(options: ResolvedAmqpOptions, log: Logger): Promise<AmqpConnection> {
    const r = options.reconnect;
    const recovering = await connect(options.url, {
      clientProperties: { connection_name: options.connectionName },
      // Without it Nagle's algorithm meets the broker's delayed ACKs: a publisher awaiting each confirm waits ~40 ms.
      noDelay: true,
      recovery: {
        waitForConnect: false,
        initialDelay: r.initialDelayMs,
        maxDelay: r.maxDelayMs,
        factor: r.factor,
        jitter: r.jitter,
        maxRetries: Infinity,
      },
    });
    return new AmqpConnection(recovering, log, redactUrl(options.url));
  }

  /** The live generation, if connected. */
  generation(): Generation | undefined {
    return this.current;
  }

  /** The live generation, or the next one; rejects with `TransportClosedError` once the connection is closed. */
  waitForGeneration(): Promise<Generation> {
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

  private lost(): void {
    if (this.current) this.current.alive = false;
    this.current = undefined;
    if (!this.closed) this.state.next('reconnecting');
  }
}
