/**
 * The TLS brokers of the tests, over the throwaway CA of testCerts.ts: an own nats-server with TLS on a free port,
 * and the shared RabbitMQ behind a TLS terminator (tlsTerminator.ts) reached with its credentials over amqps://.
 * The caller disposes of what it started.
 */
import { AMQP_URL } from './brokers.js';
import { brokerAddress } from './amqpBroker.js';
import { OwnNatsServer } from './natsServer.js';
import type { TestCerts } from './testCerts.js';
import { startTlsTerminator, type TlsTerminator } from './tlsTerminator.js';

/**
 * Starts an own nats-server (JetStream, free port) whose certificate the CA of `certs` signed. `verify`: it also
 * asks clients for a certificate signed by that CA (`--tlsverify`).
 */
export async function startTlsNatsServer(certs: TestCerts, verify = false): Promise<OwnNatsServer> {
  const tls = ['--tlscert', certs.serverCert, '--tlskey', certs.serverKey];
  const s = await OwnNatsServer.create({
    args: verify ? ['--tlsverify', ...tls, '--tlscacert', certs.ca] : ['--tls', ...tls],
  });
  try {
    await s.start();
  } catch (e) {
    await s.dispose();
    throw e;
  }
  return s;
}

/** A TLS terminator in front of the shared RabbitMQ, with the server certificate of `certs`. */
export const startAmqpTerminator = (certs: TestCerts): Promise<TlsTerminator> =>
  startTlsTerminator({ target: brokerAddress(), cert: certs.serverCert, key: certs.serverKey });

/** The shared broker's credentials at the terminator's port, over amqps://. */
export function amqpsUrl(terminator: TlsTerminator): string {
  const u = new URL(AMQP_URL);
  return `amqps://${u.username}:${u.password}@127.0.0.1:${terminator.port}`;
}
