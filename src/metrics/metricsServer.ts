/**
 * The HTTP endpoints of a long-running command, over node:http:
 *
 * - `GET /metrics`: the registry, in Prometheus text format, or OpenMetrics when the Accept header asks for
 *   `application/openmetrics-text`.
 * - `GET /healthz`: 200 whenever the event loop runs (the process is alive).
 * - `GET /readyz`: 200 while `readiness()` says ready; 503 with its reason in the body otherwise.
 * - anything else: 404.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import client from 'prom-client';
import { errorMessage } from '../core/errors.js';

export interface Readiness {
  readonly ready: boolean;
  /** Why not, or what is ready. */
  readonly reason: string;
}

export interface MetricsServer {
  /** The port listened on (the one asked for, or the one the system chose for port 0). */
  readonly port: number;
  /** Stops listening and ends the open connections; idempotent. */
  close(): Promise<void>;
}

/** The endpoint could not listen: the port is taken, or the host is not one of this machine's. */
export class MetricsListenError extends Error {
  override readonly name = 'MetricsListenError';
}

const OPENMETRICS = /application\/openmetrics-text/i;

/** Starts listening on host:port; rejects with a `MetricsListenError` naming the port when it cannot. */
export async function startMetricsServer(
  registry: client.Registry<client.RegistryContentType>,
  readiness: () => Readiness,
  host: string,
  port: number,
): Promise<MetricsServer> {
  const exposition = openMetricsView(registry);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'GET only\n');
    if (path === '/healthz') return send(200, 'text/plain', 'ok\n');
    if (path === '/readyz') {
      const r = readiness();
      return send(r.ready ? 200 : 503, 'text/plain', `${r.reason}\n`);
    }
    if (path !== '/metrics') return send(404, 'text/plain', 'not found: try /metrics, /healthz or /readyz\n');
    exposition(OPENMETRICS.test(req.headers.accept ?? '')).then(
      ({ type, body }) => send(200, type, body),
      (e: unknown) => send(500, 'text/plain', `cannot collect the metrics: ${errorMessage(e)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new MetricsListenError(
          e.code === 'EADDRINUSE'
            ? `--metrics-port ${port} is already in use on ${host}: choose another port`
            : `cannot serve the metrics on ${host}:${port}: ${errorMessage(e)}`,
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

/**
 * The registry's text in either format, one scrape at a time: prom-client renames counters (drops `_total`)
 * while it writes OpenMetrics, so the names are put back before the next scrape reads them.
 */
function openMetricsView(
  registry: client.Registry<client.RegistryContentType>,
): (openMetrics: boolean) => Promise<{ type: string; body: string }> {
  let queue: Promise<unknown> = Promise.resolve();
  const render = async (openMetrics: boolean): Promise<{ type: string; body: string }> => {
    if (!openMetrics) return { type: registry.contentType, body: await registry.metrics() };
    const names = registry.getMetricsAsArray().map((m) => [m, m.name] as const);
    registry.setContentType(client.Registry.OPENMETRICS_CONTENT_TYPE);
    try {
      return { type: registry.contentType, body: await registry.metrics() };
    } finally {
      registry.setContentType(client.Registry.PROMETHEUS_CONTENT_TYPE);
      for (const [m, name] of names) m.name = name;
    }
  };
  return (openMetrics) => {
    const next = queue.then(() => render(openMetrics));
    queue = next.catch(() => undefined);
    return next;
  };
}
