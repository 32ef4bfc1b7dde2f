/**
 * The TLS brokers of a test file over a throwaway CA (harness/testCerts.ts, harness/tlsBrokers.ts): the
 * certificates made before the first test, and every nats-server and the RabbitMQ terminator it started gone,
 * with the certificates, after the last.
 */
import { after, before } from 'node:test';
import { OwnNatsServer } from '../../harness/natsServer.js';
import { makeTestCerts, type TestCerts } from '../../harness/testCerts.js';
import { startAmqpTerminator, startTlsNatsServer } from '../../harness/tlsBrokers.js';
import type { TlsTerminator } from '../../harness/tlsTerminator.js';

export interface TlsRig {
  /** The throwaway CA, server and client certificates (inside a test: the `before` hook makes them). */
  readonly certs: TestCerts;
  /** An own nats-server: with TLS (`verify`: client certificates too), or plain; disposed of after the tests. */
  readonly natsServer: (tls: 'tls' | 'verify' | 'plain') => Promise<OwnNatsServer>;
  /** The TLS terminator in front of the shared RabbitMQ: started at the first call, the same one after. */
  readonly amqpTerminator: () => Promise<TlsTerminator>;
}

/**
 * Registers the hooks in the calling file (or `describe`). `beforeDispose` runs first in `after`, while the
 * servers still answer: closing the file's transports, deleting what it declared.
 */
export function tlsRig(beforeDispose: () => Promise<void> = () => Promise.resolve()): TlsRig {
  let certs: TestCerts | undefined;
  const servers: OwnNatsServer[] = [];
  let terminator: TlsTerminator | undefined;
  const made = (): TestCerts => {
    if (!certs) throw new Error('tlsRig: the certificates exist only while the tests run');
    return certs;
  };

  before(async () => {
    certs = await makeTestCerts();
  });

  after(async () => {
    await beforeDispose();
    await Promise.all(servers.map((s) => s.dispose()));
    await terminator?.close();
    await certs?.dispose();
  });

  return {
    get certs() {
      return made();
    },
    natsServer: async (tls) => {
      let s: OwnNatsServer;
      if (tls === 'plain') {
        s = await OwnNatsServer.create();
        await s.start();
      } else s = await startTlsNatsServer(made(), tls === 'verify');
      servers.push(s);
      return s;
    },
    amqpTerminator: async () => (terminator ??= await startAmqpTerminator(made())),
  };
}
