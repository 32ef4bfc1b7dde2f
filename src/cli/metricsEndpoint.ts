/**
 * `--metrics-port` / `--metrics-host` of the long-running commands: the Prometheus endpoint and the health probes
 * (src/metrics/), fed from what the process keeps anyway: the service counters, the transport's state, the model
 * watch and the transport's publish waits. Off unless a port is given.
 */
import type { Subscription } from 'rxjs';
import type { SummaryBody } from '../core/summaryBody.js';
import type { ConnectionState, Transport } from '../core/transport.js';
import type { ServiceEvent } from '../delivery/serviceEvents.js';
import { pipelineRegistry, type ExportedService, type RegistrySources } from '../metrics/pipelineRegistry.js';
import { startMetricsServer, type Readiness } from '../metrics/metricsServer.js';
import { TopicTally } from '../metrics/topicTally.js';
import type { CliOption } from './command.js';
import type { ServiceCounters } from '../delivery/serviceCounters.js';

export const metricsOptions = {
  'metrics-port': {
    type: 'number',
    describe: 'serve /metrics (Prometheus), /healthz and /readyz on this port [default: off]',
    check: (flag: string, value: unknown) => {
      if (
        value !== undefined &&
        !(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65535)
      )
        throw new Error(`--${flag} must be a port number (0-65535), got ${JSON.stringify(value)}`);
    },
  },
  'metrics-host': {
    type: 'string',
    default: '127.0.0.1',
    describe: 'address the metrics endpoint listens on (0.0.0.0 for every interface)',
  },
} as const satisfies Record<string, CliOption>;

export interface MetricsArgs {
  readonly metricsPort?: number | undefined;
  readonly metricsHost: string;
}

export interface MetricsEndpoint {
  readonly port: number;
  /** Where the metrics are, for the log line at start. */
  readonly url: string;
  /** Hands over the figures: the process's transport (none for plot), its counters and its model watch. */
  attach(parts: { transport?: Transport; counters?: ServiceCounters; summary?: () => SummaryBody }): void;
  /** Per event, on the hot path: tallies by topic and observes the absolute errors. */
  readonly onEvent: (event: ServiceEvent) => void;
  /** The services' consumers are subscribed: ready while the transport is connected. */
  serving(): void;
  /** The process is stopping: not ready any more. */
  stopping(): void;
  /** Stops the server (after the services drained). */
  close(): Promise<void>;
}

/** Starts the endpoint when `--metrics-port` is set; rejects naming the port when it cannot listen. */
export async function openMetricsEndpoint(
  args: MetricsArgs,
  service: ExportedService,
): Promise<MetricsEndpoint | undefined> {
  if (args.metricsPort === undefined) return undefined;
  const tally = new TopicTally();
  let sources: RegistrySources = { tally };
  let phase: 'starting' | 'serving' | 'stopping' = 'starting';
  let hasTransport: boolean | undefined;
  let state: ConnectionState = 'connecting';
  let reconnects = 0;
  let sub: Subscription | undefined;
  const { registry, observeError } = pipelineRegistry(service, () => sources);
  const readiness = (): Readiness => {
    if (phase === 'stopping') return { ready: false, reason: 'stopping: draining the records in flight' };
    if (hasTransport === undefined)
      return { ready: false, reason: 'starting: the transport is not open yet' };
    if (hasTransport && state !== 'connected')
      return { ready: false, reason: `the ${sources.transportName ?? ''} transport is ${state}` };
    if (phase === 'starting')
      return { ready: false, reason: "starting: the service's consumers are not subscribed yet" };
    return {
      ready: true,
      reason: hasTransport
        ? `ready: ${sources.transportName ?? ''} connected, consumers subscribed`
        : 'ready',
    };
  };
  const server = await startMetricsServer(registry, readiness, args.metricsHost, args.metricsPort);
  return {
    port: server.port,
    url: `http://${args.metricsHost.includes(':') ? `[${args.metricsHost}]` : args.metricsHost}:${server.port}/metrics`,
    attach: ({ transport, counters, summary }) => {
      hasTransport = transport !== undefined;
      sub = transport?.state$.subscribe((s) => {
        if (s === 'reconnecting' && state !== 'reconnecting') reconnects++;
        state = s;
      });
      sources = {
        tally,
        ...(transport
          ? {
              transportName: transport.name,
              state: () => state,
              reconnects: () => reconnects,
              ...(transport.publishWaits ? { publishWaits: transport.publishWaits.bind(transport) } : {}),
            }
          : {}),
        ...(counters ? { counters: () => counters.snapshot() } : {}),
        ...(summary ? { summary } : {}),
      };
    },
    onEvent: (event) => {
      if (event.kind === 'joined') observeError(event.record.absolute_error);
      else tally.add(event);
    },
    serving: () => void (phase === 'starting' && (phase = 'serving')),
    stopping: () => void (phase = 'stopping'),
    close: async () => {
      phase = 'stopping';
      sub?.unsubscribe();
      await server.close();
    },
  };
}
