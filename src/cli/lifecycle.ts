/**
 * The life of one CLI process: stop signals, the live status line, the periodic `status` broadcast, and an
 * orderly shutdown (services drained, files flushed, transport closed) that ends in exit code 0.
 */
import { interval, lastValueFrom, merge, tap, type Observable, type Subscription } from 'rxjs';
import { STATUS } from '../core/topics.js';
import type { ConnectionState, Transport } from '../core/transport.js';
import { statusCounters, type StatusBody } from '../core/statusBody.js';
import { ServiceCounters } from '../delivery/serviceCounters.js';
import type { ServiceEvent, ServiceName } from '../delivery/serviceEvents.js';
import { newRunId } from '../core/recordIds.js';
import { deadLetterLog } from './deadLetterLog.js';
import { retryLog } from './retryLog.js';
import { statusLine, summary } from './statusText.js';
import type { Terminal } from './terminal.js';

let processStop: AbortController | undefined;

/**
 * The process's stop signal: aborts on the first SIGINT / SIGTERM; a second one exits at once with 130.
 * Installed once, as early as possible (a signal during start-up must still mean "stop cleanly").
 */
export function stopOnSignals(
  log: (level: 'info' | 'warn', message: string) => void = () => undefined,
): AbortController {
  if (processStop) return processStop;
  const stop = (processStop = new AbortController());
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) {
      log('warn', `second ${signal}: exiting without draining`);
      process.exit(130);
    }
    log('info', `${signal}: finishing the records in flight (send it again to exit at once)`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return stop;
}

export interface Monitor {
  readonly counters: ServiceCounters;
  readonly state: () => ConnectionState;
  /** Subscribes to the services' events; resolves when all of them complete. */
  run(services: Observable<ServiceEvent>[]): Promise<void>;
  /** Stops the status line and the status broadcast; prints the summary. */
  finish(): void;
}

export function monitor(
  terminal: Terminal,
  transport: Transport,
  service: 'pipeline' | ServiceName,
  options: {
    statusEveryMs?: number;
    statusLine?: boolean;
    /** Sees every event after the counters (the metrics endpoint). */
    onEvent?: ((event: ServiceEvent) => void) | undefined;
  } = {},
): Monitor {
  const counters = new ServiceCounters();
  const started = performance.now();
  const instance = newRunId();
  let state: ConnectionState = 'connecting';
  let lastJoined = 0;
  let lastAt = started;
  let rate = 0;
  const subs: Subscription[] = [];
  const deadLetters = deadLetterLog(terminal.log, service);

  subs.push(
    transport.state$.subscribe((s) => {
      if (s !== state) terminal.log(s === 'reconnecting' ? 'warn' : 'info', `${transport.name}: ${s}`);
      state = s;
    }),
  );
  const tick = (): void => {
    const now = performance.now();
    const c = counters.snapshot();
    const progress = service === 'features' ? c.published : service === 'model' ? c.predicted : c.joined;
    rate = ((progress - lastJoined) * 1000) / Math.max(1, now - lastAt);
    lastJoined = progress;
    lastAt = now;
    const line = statusLine({ counters: c, rate, transport: transport.name, state });
    if (options.statusLine === false) return;
    if (terminal.tty) terminal.status(line);
    else if (progress > 0 || c.deadLettered > 0) terminal.line(line);
  };
  subs.push(interval(terminal.tty ? 250 : 5000).subscribe(tick));
  subs.push(interval(1000).subscribe(deadLetters.tick));
  subs.push(
    interval(options.statusEveryMs ?? 1000).subscribe(() => {
      // Best-effort: one published while disconnected would only wait for the broker, and hold up a stop.
      if (state !== 'connected') return;
      const body: StatusBody = {
        service,
        instance,
        transport: transport.name,
        state,
        counters: statusCounters(counters.snapshot()),
      };
      // Dashboards are best-effort: a status message that cannot be sent is not worth an error.
      transport.publish(STATUS, { id: `${instance}-${Date.now()}`, body }).catch(() => undefined);
    }),
  );

  return {
    counters,
    state: () => state,
    run: async (services) => {
      const retries = retryLog(terminal.log, service);
      const report = (e: ServiceEvent): void => {
        retries(e);
        deadLetters.report(e);
      };
      const onEvent = options.onEvent;
      const count = onEvent
        ? (e: ServiceEvent): void => {
            counters.add(e);
            report(e);
            onEvent(e);
          }
        : (e: ServiceEvent): void => {
            counters.add(e);
            report(e);
          };
      await lastValueFrom(merge(...services).pipe(tap(count)), { defaultValue: undefined });
    },
    finish: () => {
      for (const s of subs) s.unsubscribe();
      deadLetters.flush();
      terminal.end();
      terminal.line(summary(counters.snapshot(), (performance.now() - started) / 1000));
    },
  };
}
