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

export interface OneService {
  readonly name: ServiceName;
  readonly args: TransportArgs;
  /** Builds the service; it must stop taking work when `signal` aborts and complete once drained. */
  start(transport: Transport, signal: AbortSignal, terminal: Terminal): Promise<Observable<ServiceEvent>>;
  /** Flushes what the service owns (files) after it completed, before the transport closes. */
  finish?(): Promise<void>;
}

export async function runService(service: OneService): Promise<number> {
  refuseLoneMemoryService(service.args, service.name);
  const terminal = new Terminal();
  const transport = await openTransport(service.args, terminal.log);
  const stop = stopOnSignals();
  const mon = monitor(terminal, transport, service.name);
  let code = 0;
  try {
    await mon.run([await service.start(transport, stop.signal, terminal)]);
  } catch (e) {
    terminal.log('error', `${service.name}: ${errorMessage(e)}`);
    code = 1;
  }
  await service.finish?.();
  await transport.close();
  mon.finish();
  return code;
}
