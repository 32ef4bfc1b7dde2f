/**
 * Records over TLS, through `createTransport` as the CLI calls it: NATS against a nats-server of the test's own
 * started with --tls (and with --tlsverify, which demands a client certificate), RabbitMQ through a TLS
 * terminator in front of the shared broker. The certificates come from a throwaway CA no system trusts.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { firstValueFrom, take, timeout } from 'rxjs';
import { queueTopic } from '../../src/core/topics.js';
import type { Transport } from '../../src/core/transport.js';
import { createTransport, type TransportSettings } from '../../src/transports/createTransport.js';
import type { TlsMaterial } from '../../src/transports/tlsMaterial.js';
import { AMQP_URL, brokerReachable } from '../../harness/brokers.js';
import { deleteTopics } from '../../harness/amqpBroker.js';
import { NATS_SERVER_BIN, uniqueName, type OwnNatsServer } from '../../harness/natsServer.js';
import { amqpsUrl } from '../../harness/tlsBrokers.js';
import { tlsRig } from '../support/tlsRig.js';

const skipNats = existsSync(NATS_SERVER_BIN) ? false : `${NATS_SERVER_BIN} is not installed`;
const skipAmqp = await brokerReachable('rabbitmq', AMQP_URL);

const transports: Transport[] = [];
const amqpTopics: string[] = [];
const rig = tlsRig(async () => {
  await Promise.all(transports.map((t) => t.close()));
  if (!skipAmqp) await deleteTopics(amqpTopics);
});

/** The PEM text of the files, as the CLI reads them. */
async function material(files: { ca?: string; cert?: string; key?: string }): Promise<TlsMaterial> {
  const read = (f: string | undefined): Promise<string | undefined> =>
    f === undefined ? Promise.resolve(undefined) : readFile(f, 'utf8');
  const [ca, cert, key] = await Promise.all([read(files.ca), read(files.cert), read(files.key)]);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** Publishes one record on a fresh queue topic and consumes it back; returns its body. */
async function roundTrip(settings: TransportSettings, topic: string): Promise<unknown> {
  const lines: string[] = [];
  const t = await createTransport({
    ...settings,
    logger: (level, m) => lines.push(`${level}: ${m}`),
    onPermanentFailure: (e) => lines.push(`permanent: ${e.message}`),
  });
  transports.push(t);
  const q = queueTopic(topic);
  const body = [Math.random(), 42];
  await t.publish(q, { id: 'over-tls', body });
  const delivery = await firstValueFrom(t.consume(q).pipe(take(1), timeout(20_000))).catch((e: unknown) => {
    throw new Error(`no delivery over TLS (${String(e)}):\n${lines.join('\n')}`);
  });
  delivery.ack();
  const got = JSON.parse(new TextDecoder().decode(delivery.data)) as { id: unknown; body: unknown };
  assert.equal(got.id, 'over-tls');
  assert.deepEqual(got.body, body);
  assert.ok(!lines.some((l) => l.startsWith('permanent')), lines.join('\n'));
  return got.body;
}

/** An own nats-server with TLS (`verify`: client certificates too), disposed of after the tests. */
const natsServer = (verify: boolean): Promise<OwnNatsServer> => rig.natsServer(verify ? 'verify' : 'tls');

describe('TLS round trips', { timeout: 60_000 }, () => {
  it('nats: a server with --tls, its CA given', { skip: skipNats }, async () => {
    const s = await natsServer(false);
    await roundTrip(
      { kind: 'nats', url: s.url, tls: await material({ ca: rig.certs.ca }) },
      uniqueName('tls'),
    );
  });

  it('nats: a server with --tlsverify, a client certificate given', { skip: skipNats }, async () => {
    const s = await natsServer(true);
    const tls = await material({ ca: rig.certs.ca, cert: rig.certs.clientCert, key: rig.certs.clientKey });
    await roundTrip({ kind: 'nats', url: s.url, tls }, uniqueName('tlsverify'));
  });

  it('amqp: amqps:// through a TLS terminator in front of RabbitMQ', { skip: skipAmqp }, async () => {
    const terminator = await rig.amqpTerminator();
    const topic = uniqueName('tls');
    amqpTopics.push(topic);
    const url = amqpsUrl(terminator);
    await roundTrip({ kind: 'amqp', url, tls: await material({ ca: rig.certs.ca }) }, topic);
    assert.ok(terminator.handshakes >= 1, 'the connection went through the terminator');
  });
});
