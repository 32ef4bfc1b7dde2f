/**
 * Runs one service in its own process (the docker compose way): transport, status line, status broadcast, and a
 * clean stop on SIGINT / SIGTERM or when the service completes by itself (features with --count).
 */
import type { Observable } from 'rxjs';
import type { Transport } from '../core/transport.js';
import type { ServiceEvent, ServiceName } from '../delivery/serviceEvents.js';
import { monitor, stopOnSignals } from './lifecycle.js';
import { openTransport, refuseLoneMemoryService, type TransportArgs } from './startup.js';
import { Terminal } from './terminal.js';
import { errorMessage } from '../core/errors.js';
import type { SummaryBody } from '../core/summaryBody.js';
import { openMetricsEndpoint, type MetricsArgs } from './metricsEndpoint.js';

export interface OneService {
  readonly name: ServiceName;
  readonly args: TransportArgs & MetricsArgs;
  /** The model watch's figures, for the metrics endpoint (metric, unless --no-watch). */
  readonly summary?: () => SummaryBody;
  /** Builds the service; it must stop taking work when `signal` aborts and complete once drained. */
  start(transport: Transport, signal: AbortSignal, terminal: Terminal): Promise<Observable<ServiceEvent>>;
  /** Flushes what the service owns (files) after it completed, before the transport closes. */
  finish?(): Promise<void>;
}

export async function runService(service: OneService): Promise<number> {
  refuseLoneMemoryService(service.args, service.name);
  const terminal = new Terminal();
  // Before the transport: /readyz says why it is not ready while the broker is being reached.
  const endpoint = await openMetricsEndpoint(service.args, service.name);
  const transport = await openTransport(service.args, terminal.log);
  const stop = stopOnSignals();
  if (endpoint)
    terminal.log('info', `${service.name}: metrics on ${endpoint.url}, probes /healthz and /readyz`);
  stop.signal.addEventListener('abort', () => endpoint?.stopping(), { once: true });
  const mon = monitor(terminal, transport, service.name, { onEvent: endpoint?.onEvent });
  endpoint?.attach({
    transport,
    counters: mon.counters,
    ...(service.summary ? { summary: service.summary } : {}),
  });
  let code = 0;
  try {
    const running = mon.run([await service.start(transport, stop.signal, terminal)]);
    endpoint?.serving();
    await running;
  } catch (e) {
    terminal.log('error', `${service.name}: ${errorMessage(e)}`);
    code = 1;
  }
  endpoint?.stopping();
  await service.finish?.();
  await transport.close();
  await endpoint?.close();
  mon.finish();
  return code;
}
