/**
 * One NATS connection that is always on its way to being connected: the first connection is retried forever
 * (services start together with the server in docker compose), later reconnects are the client's own, both
 * with exponential backoff and jitter. Its state is an observable that replays the current state.
 */
import { readFileSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  Events,
  nkeyAuthenticator,
  type Authenticator,
  type ConnectionOptions,
  type NatsConnection,
} from 'nats';
import { BehaviorSubject, filter, firstValueFrom, type Observable } from 'rxjs';
import { TransportClosedError, type ConnectionState } from '../../core/transport.js';
import type { Logger } from '../../core/log.js';
import { backoffDelayMs, type ResolvedNatsOptions } from './options.js';
import { errorMessage, toError } from '../../core/errors.js';

/** A long first-connect outage logs a warning now and then, and debug lines in between. */
const WARN_EVERY_ATTEMPTS = 20;

export class ManagedConnection {
  private readonly stateSubject = new BehaviorSubject<ConnectionState>('connecting');
  /** Replays the current state; completes after `closed`. */
  readonly state$: Observable<ConnectionState> = this.stateSubject.asObservable();
  private readonly abortedSubject = new BehaviorSubject(false);
  private nc: NatsConnection | undefined;
  private reconnectAttempt = 0;
  private shuttingDown = false;

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

  /** Resolves with the connection once it is connected; rejects with TransportClosedError once aborted. */
  async connected(): Promise<NatsConnection> {
    for (;;) {
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
        const nc = await connect(this.connectOptions());
        if (this.aborted) {
          await nc.close();
          return;
        }
        this.attach(nc);
        return;
      } catch (e) {
        if (this.aborted) return;
        this.setState('reconnecting');
        const level = attempt % WARN_EVERY_ATTEMPTS === 0 ? 'warn' : 'debug';
        this.log(
          level,
          `cannot connect to ${this.o.displayUrl} (attempt ${attempt + 1}): ${errorMessage(e)}`,
        );
        await this.sleep(backoffDelayMs(attempt, this.o));
      }
    }
  }

  private attach(nc: NatsConnection): void {
    this.nc = nc;
    this.reconnectAttempt = 0;
    this.log('info', `connected to ${nc.getServer()}`);
    this.setState('connected');
    void (async () => {
      for await (const s of nc.status()) {
        const data = typeof s.data === 'string' ? s.data : JSON.stringify(s.data);
        if (s.type === Events.Disconnect) {
          this.log('warn', `disconnected from ${data}; reconnecting`);
          this.setState('reconnecting');
        } else if (s.type === Events.Reconnect) {
          // nats.js completes a dial that was under way when close() was called: a socket opens after the
          // connection is closed, and would keep the process alive. Close that socket.
          if (this.shuttingDown || nc.isClosed()) {
            closeLateSocket(nc);
            continue;
          }
          this.reconnectAttempt = 0;
          this.log('info', `reconnected to ${data}`);
          this.setState('connected');
        } else if (s.type === Events.LDM) {
          this.log('warn', 'server entered lame duck mode; will move to another server');
        } else if (s.type === Events.Error) {
          this.log('warn', `server error: ${data}`);
        }
      }
    })();
    void nc.closed().then((err) => {
      if (this.shuttingDown || this.aborted) return;
      // With unlimited reconnects this only happens on a fatal protocol error: start over rather than die.
      this.log('error', `connection closed unexpectedly${err ? `: ${errorMessage(err)}` : ''}; reconnecting`);
      this.nc = undefined;
      this.setState('reconnecting');
      void this.connectLoop();
    });
  }

  private connectOptions(): ConnectionOptions {
    const o = this.o;
    const authenticators: Authenticator[] = [];
    const { credsFile, nkeySeedFile } = o;
    // Read at every (re)connect, so that rotated credentials are picked up.
    if (credsFile !== undefined) authenticators.push(credsAuthenticator(() => readFileSync(credsFile)));
    if (nkeySeedFile !== undefined)
      authenticators.push(
        nkeyAuthenticator(() => new TextEncoder().encode(readFileSync(nkeySeedFile, 'utf8').trim())),
      );
    return {
      servers: [...o.servers],
      name: o.name,
      user: o.user,
      pass: o.pass,
      token: o.token,
      ...(authenticators.length > 0 ? { authenticator: authenticators } : {}),
      // The first connection is retried by connectLoop (so close() can stop it and each failure is logged).
      waitOnFirstConnect: false,
      maxReconnectAttempts: -1,
      reconnectDelayHandler: () => backoffDelayMs(this.reconnectAttempt++, o),
      // Credentials may be fixed while we wait: never give up on an authorization error.
      ignoreAuthErrorAbort: true,
      timeout: 5_000,
      // Notice a silently dead server in ~30 s instead of the default ~4 min.
      pingInterval: 10_000,
      maxPingOut: 3,
    };
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
