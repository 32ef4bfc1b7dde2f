/**
 * The nats.js options of a managed connection: servers, credentials, TLS, reconnect policy and keep-alive.
 * Credentials: natsAuthOptions.
 */
import type { ConnectionOptions } from 'nats';
import { natsAuthOptions } from './authOptions.js';
import type { ResolvedNatsOptions } from './options.js';

/** `nextReconnectDelay` is asked for the wait before each of nats.js's own reconnect attempts. */
export function natsConnectOptions(
  o: ResolvedNatsOptions,
  nextReconnectDelay: () => number,
): ConnectionOptions {
  const { tls } = o;
  return {
    servers: [...o.servers],
    name: o.name,
    ...natsAuthOptions(o),
    // Given any TLS material, nats.js requires TLS: a server without it is refused rather than used in clear.
    ...(tls !== undefined ? { tls: { ...tls } } : {}),
    // The first connection is retried by the managed connection (so close() can stop it, each failure is
    // logged, and a permanent one ends the retries).
    waitOnFirstConnect: false,
    maxReconnectAttempts: -1,
    reconnectDelayHandler: nextReconnectDelay,
    // nats.js would give up after a second authorization error in a row, closing the connection; the managed
    // connection decides instead (an authorization violation is permanent: see core/connectionFailure.ts).
    ignoreAuthErrorAbort: true,
    timeout: 5_000,
    // Notice a silently dead server in ~30 s instead of the default ~4 min.
    pingInterval: 10_000,
    maxPingOut: 3,
  };
}
