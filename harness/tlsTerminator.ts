/**
 * A TLS terminator for tests: a node:tls server on a free loopback port that pipes each connection, decrypted,
 * to a plain TCP target (the shared RabbitMQ), so that amqps:// can be tested without reconfiguring the broker.
 * The TLS version of tcpProxy.ts.
 */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';

export interface TlsTerminator {
  /** The port TLS clients connect to (on 127.0.0.1). */
  readonly port: number;
  /** Connections that completed the TLS handshake so far. */
  readonly handshakes: number;
  /** Stops listening and ends every connection. */
  close(): Promise<void>;
}

export interface TlsTerminatorOptions {
  readonly target: { host: string; port: number };
  /** PEM files of the server's certificate and key. */
  readonly cert: string;
  readonly key: string;
}

export async function startTlsTerminator(options: TlsTerminatorOptions): Promise<TlsTerminator> {
  const [cert, key] = await Promise.all([readFile(options.cert), readFile(options.key)]);
  const open = new Set<net.Socket>();
  let handshakes = 0;
  const server = tls.createServer({ cert, key }, (client) => {
    handshakes++;
    const upstream = net.connect(options.target);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    // Either side ending or failing ends both: the terminator never keeps half a connection.
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('error', end);
      s.on('close', () => {
        open.delete(s);
        end();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  // A client refusing our certificate aborts its handshake: expected in the tests, not an error of the server.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('terminator has no TCP address');
  return {
    port: address.port,
    get handshakes() {
      return handshakes;
    },
    close() {
      for (const s of open) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
