/**
 * A TCP proxy the test controls, between a client and a broker: the way to cut a connection for real (both
 * sockets reset, as when a network or a broker dies) and keep the broker unreachable for a while.
 */
import net from 'node:net';

export interface TcpProxy {
  /** The port clients connect to (on 127.0.0.1). */
  readonly port: number;
  /** Client connections currently open through the proxy. */
  readonly connections: number;
  /**
   * Resets every open connection on both sides, then resets every new one for `refuseMs` milliseconds (a client
   * sees its connection die before the handshake, as with a broker that is down).
   */
  cut(refuseMs?: number): void;
  /** Stops listening and resets every connection. */
  close(): Promise<void>;
}

const reset = (s: net.Socket): void => {
  if (!s.destroyed) s.resetAndDestroy();
};

/** Listens on an ephemeral loopback port and forwards each connection to `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let refuseUntil = 0;

  const server = net.createServer((client) => {
    if (Date.now() < refuseUntil) return reset(client);
    const upstream = net.connect(target);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      reset(client);
      reset(upstream);
    };
    // Either side ending or failing ends both: the proxy never keeps half a connection.
    for (const s of pair) {
      s.on('error', drop);
      s.on('close', drop);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');

  const cutAll = (): void => {
    for (const [a, b] of [...pairs]) {
      reset(a);
      reset(b);
    }
    pairs.clear();
  };

  return {
    port: address.port,
    get connections() {
      return pairs.size;
    },
    cut(refuseMs = 0) {
      refuseUntil = Date.now() + refuseMs;
      cutAll();
    },
    close() {
      cutAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
