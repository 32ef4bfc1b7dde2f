/**
 * One NATS connection that is always on its way to being connected: the first connection is retried forever
 * (services start together with the server in docker compose), later reconnects are the client's own, both
 * with exponential backoff and jitter, and every failed or started attempt is a warning with its number, so a
 * long outage never looks like silence. Its state is an observable that replays the current state.
 *
 * Only failures that waiting can fix are retried (see core/connectionFailure.ts): a permanent one (refused
 * credentials, an untrusted certificate) ends the retries and goes, once, to `onPermanentFailure`; waits for the
 * connection then fail with it.
 */
import { connect, DebugEvents, Events, type NatsConnection } from 'nats';
import { BehaviorSubject, filter, firstValueFrom, type Observable } from 'rxjs';
import { TransportClosedError, type ConnectionState } from '../../core/transport.js';
import type { Logger } from '../../core/log.js';
import { backoffDelayMs, type ResolvedNatsOptions } from './options.js';
import { errorMessage, toError } from '../../core/errors.js';
import { classifyConnectionError, type PermanentConnectionError } from '../../core/connectionFailure.js';
import { natsConnectOptions } from './connectOptions.js';

export class ManagedConnection {
  private readonly stateSubject = new BehaviorSubject<ConnectionState>('connecting');
  /** Replays the current state; completes after `closed`. */
  readonly state$: Observable<ConnectionState> = this.stateSubject.asObservable();
  private readonly abortedSubject = new BehaviorSubject(false);
  private nc: NatsConnection | undefined;
  /**
   * nats.js's own dials since the connection was lost, counted from its `reconnecting` events. The backoff
   * follows this count: nats.js asks for a delay on every turn of its loop, also on turns that only wait, so
   * counting those calls would reach the longest delay after the first failed dial.
   */
  private redials = 0;
  private shuttingDown = false;
  /** Set once a permanent failure ended the retries: what waits for the connection fail with. */
  private failure: PermanentConnectionError | undefined;

  constructor(
    private readonly transportName: string,
    private readonly o: ResolvedNatsOptions,
    private readonly log: Logger,
  ) {}

  /** Starts connecting in the background. */
  start(): void {
    void this.connectLoop();
  }

  get state(): ConnectionState {
    return this.stateSubject.value;
  }

  /** True once `abort()` was called: waiting for the connection is over. */
  get aborted(): boolean {
    return this.abortedSubject.value;
  }

  /** The connection when connected right now, else undefined. */
  get current(): NatsConnection | undefined {
    return this.state === 'connected' && this.nc !== undefined && !this.nc.isClosed() ? this.nc : undefined;
  }

  /**
   * Resolves with the connection once it is connected; rejects with the permanent failure that ended the retries,
   * or with TransportClosedError once aborted.
   */
  async connected(): Promise<NatsConnection> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.aborted) throw new TransportClosedError(this.transportName);
      const nc = this.current;
      if (nc !== undefined) return nc;
      await Promise.race([
        firstValueFrom(this.stateSubject.pipe(filter((s) => s === 'connected' || s === 'closed')), {
          defaultValue: 'closed' as const,
        }),
        firstValueFrom(this.abortedSubject.pipe(filter(Boolean))),
      ]);
    }
  }

  /** Waits `ms`, or less when aborted. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sub = this.abortedSubject.pipe(filter(Boolean)).subscribe(() => done());
      const timer = setTimeout(() => done(), ms);
      function done(): void {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve();
      }
    });
  }

  /** Stops every wait for the connection: they reject with TransportClosedError. */
  abort(): void {
    if (!this.aborted) this.abortedSubject.next(true);
  }

  /** Drains (or, when not connected, closes) the connection; then `state$` emits `closed` and completes. */
  async shutdown(drainTimeoutMs: number): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.abort();
    const nc = this.nc;
    if (nc !== undefined && !nc.isClosed()) {
      try {
        if (this.current === undefined) throw new Error('not connected: nothing to drain');
        await withTimeout(nc.drain(), drainTimeoutMs, 'drain');
      } catch (e) {
        this.log('debug', `closing without drain: ${errorMessage(e)}`);
        await nc.close().catch(() => undefined);
      }
    }
    this.stateSubject.next('closed');
    this.stateSubject.complete();
    this.abortedSubject.complete();
  }

  private setState(s: ConnectionState): void {
    if (!this.shuttingDown && this.stateSubject.value !== s) this.stateSubject.next(s);
  }

  private async connectLoop(): Promise<void> {
    for (let attempt = 0; !this.aborted; attempt++) {
      try {
        const nc = await connect(
          natsConnectOptions(this.o, () => backoffDelayMs(Math.max(0, this.redials - 1), this.o)),
        );
        if (this.aborted) {
          await nc.close();
          return;
        }
        this.attach(nc);
        return;
      } catch (e) {
        if (this.aborted) return;
        const permanent = this.classify(e);
        if (permanent) return this.fail(permanent);
        this.setState('reconnecting');
        const delay = backoffDelayMs(attempt, this.o);
        this.log(
          'warn',
          `cannot connect to ${this.o.displayUrl} (attempt ${attempt + 1}): ${errorMessage(e)}; ` +
            `trying again in ${delay} ms`,
        );
        await this.sleep(delay);
      }
    }
  }

  private classify(error: unknown): PermanentConnectionError | undefined {
    return classifyConnectionError(error, { broker: 'nats', url: this.o.displayUrl });
  }

  /** Ends the retries for good: the failure goes to the handler (or the log), waits for the connection fail. */
  private fail(failure: PermanentConnectionError): void {
    if (this.failure || this.shuttingDown) return;
    this.failure = failure;
    this.abort();
    // nats.js would go on redialling the refused server: stop it.
    void this.nc?.close().catch(() => undefined);
    if (this.o.onPermanentFailure) this.o.onPermanentFailure(failure);
    else this.log('error', failure.message);
  }

  private attach(nc: NatsConnection): void {
    this.nc = nc;
    this.redials = 0;
    this.log('info', `connected to ${nc.getServer()}`);
    this.setState('connected');
    void (async () => {
      for await (const s of nc.status()) {
        const data = typeof s.data === 'string' ? s.data : JSON.stringify(s.data);
        if (s.type === Events.Disconnect) {
          this.redials = 0;
          this.log('warn', `disconnected from ${data}; reconnecting`);
          this.setState('reconnecting');
        } else if (s.type === DebugEvents.Reconnecting) {
          // One event per dial: the first follows the disconnect at once, later ones mean the outage goes on.
          this.redials++;
          if (this.redials > 1 && !this.shuttingDown)
            this.log('warn', `still disconnected: connecting to ${data} again (attempt ${this.redials})`);
        } else if (s.type === Events.Reconnect) {
          // nats.js completes a dial that was under way when close() was called: a socket opens after the
          // connection is closed, and would keep the process alive. Close that socket.
          if (this.shuttingDown || nc.isClosed()) {
            closeLateSocket(nc);
            continue;
          }
          this.redials = 0;
          this.log('info', `reconnected to ${data}`);
          this.setState('connected');
        } else if (s.type === Events.LDM) {
          this.log('warn', 'server entered lame duck mode; will move to another server');
        } else if (s.type === Events.Error) {
          // nats.js reports an authorization refused on a reconnect only here, by its code.
          const permanent = this.classify({ code: data, message: data });
          if (permanent) this.fail(permanent);
          else this.log('warn', `server error: ${data}`);
        }
      }
    })();
    void nc.closed().then((err) => {
      if (this.shuttingDown || this.aborted || this.failure) return;
      // With unlimited reconnects this only happens on a fatal protocol error: start over rather than die.
      this.log('error', `connection closed unexpectedly${err ? `: ${errorMessage(err)}` : ''}; reconnecting`);
      this.nc = undefined;
      this.setState('reconnecting');
      void this.connectLoop();
    });
  }
}

/**
 * Closes the socket under a nats.js connection that is already closed (see the Reconnect status above). The
 * socket is not in nats.js's types: reached through its protocol handler, when it is there.
 */
function closeLateSocket(nc: NatsConnection): void {
  const transport = (nc as unknown as { protocol?: { transport?: { close?: () => Promise<void> } } }).protocol
    ?.transport;
  void transport?.close?.().catch(() => undefined);
}

/** `p`, or a rejection after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(toError(e));
      },
    );
  });
}
