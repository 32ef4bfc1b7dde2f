/**
 * `pipeline dead-letters list` over TLS, with the built CLI: the dead letters of a TLS broker are out of reach
 * without --tls-ca (the certificate is not trusted: exit 1), and listed with the TLS options as the services
 * take them. NATS: an own nats-server that verifies clients, so --tls-cert and --tls-key must be used too.
 * RabbitMQ: a TLS terminator in front of the shared broker, on a partition topic with an index no pipeline uses
 * (a topic of its own that `--topic` accepts), deleted afterwards.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { concatMap, firstValueFrom, take, timeout, toArray } from 'rxjs';
import { partitionTopicNamed } from '../../src/core/partitions.js';
import { Y_TRUE, type Topic } from '../../src/core/topics.js';
import { createTransport, type TransportSettings } from '../../src/transports/createTransport.js';
import { readTlsFiles } from '../../src/cli/tlsFiles.js';
import { deleteTopics } from '../../harness/amqpBroker.js';
import { AMQP_URL, brokerReachable } from '../../harness/brokers.js';
import { runCli, type CliResult } from '../../harness/cli.js';
import { NATS_SERVER_BIN } from '../../harness/natsServer.js';
import { amqpsUrl } from '../../harness/tlsBrokers.js';
import { tlsRig } from '../support/tlsRig.js';

const skipNats = existsSync(NATS_SERVER_BIN) ? false : `${NATS_SERVER_BIN} is not installed`;
const skipAmqp = await brokerReachable('rabbitmq', AMQP_URL);

const REASONS = ['tls_test: first', 'tls_test: second'] as const;

const amqpTopics: string[] = [];
const rig = tlsRig(async () => {
  if (!skipAmqp) await deleteTopics(amqpTopics);
});

/** Publishes one record per reason on `topic` and dead-letters each through a transport, as a service would. */
async function makeDeadLetters(settings: TransportSettings, topic: Topic): Promise<void> {
  const transport = await createTransport({ ...settings, logger: () => undefined });
  try {
    for (const [i] of REASONS.entries()) await transport.publish(topic, { id: `tls-${i}`, body: i });
    await firstValueFrom(
      transport.consume(topic, { prefetch: 1 }).pipe(
        take(REASONS.length),
        concatMap((d, i) => d.deadLetter(REASONS[i] ?? 'tls_test: ?')),
        toArray(),
        timeout(20_000),
      ),
    );
  } finally {
    await transport.close();
  }
}

const list = (topic: Topic, args: readonly string[]): Promise<CliResult> =>
  runCli(['dead-letters', 'list', '--topic', topic.name, ...args], { timeoutMs: 30_000 });

/** The listing of both dead letters. */
function listsBoth(r: CliResult): void {
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /: 2 dead letters\n/);
  assert.match(r.stdout, /by reason \(all 2\): tls_test 2\n/);
  assert.match(r.stdout, /tls-0 {2}tls_test: first/);
}

/** Out of reach: the broker's certificate is not trusted, which the command says (exit 1). */
function unreachable(r: CliResult): void {
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /pipeline dead-letters: (amqp|nats) failed: /);
  assert.doesNotMatch(r.stdout, /dead letters/);
}

describe('pipeline dead-letters over TLS', { timeout: 90_000 }, () => {
  it('nats (--tlsverify): found with --tls-ca, --tls-cert and --tls-key', { skip: skipNats }, async () => {
    const server = await rig.natsServer('verify');
    const files = { tlsCa: rig.certs.ca, tlsCert: rig.certs.clientCert, tlsKey: rig.certs.clientKey };
    await makeDeadLetters({ kind: 'nats', url: server.url, tls: await readTlsFiles(files) }, Y_TRUE);
    const nats = ['--transport=nats', '--url', server.url];
    unreachable(await list(Y_TRUE, nats));
    listsBoth(
      await list(Y_TRUE, [
        ...nats,
        ...['--tls-ca', rig.certs.ca, '--tls-cert', rig.certs.clientCert, '--tls-key', rig.certs.clientKey],
      ]),
    );
  });

  it('amqps:// through a TLS terminator: found with --tls-ca', { skip: skipAmqp }, async () => {
    // A partition index far beyond any pipeline's count: a topic of this test's own.
    const name = `y_true.${900_000 + Math.floor(Math.random() * 99_999)}`;
    const topic = partitionTopicNamed(name) as Topic;
    amqpTopics.push(name);
    await makeDeadLetters({ kind: 'amqp', url: AMQP_URL }, topic);
    const terminator = await rig.amqpTerminator();
    const amqps = ['--transport=amqp', '--url', amqpsUrl(terminator)];
    unreachable(await list(topic, amqps));
    listsBoth(await list(topic, [...amqps, '--tls-ca', rig.certs.ca]));
    assert.ok(terminator.handshakes >= 1, 'the listing went through the terminator');
  });

  it('TLS options that cannot be used are a usage error, before any connection', async () => {
    const plain = await list(Y_TRUE, [
      '--transport=amqp',
      '--url',
      'amqp://guest:guest@127.0.0.1:1',
      '--tls-ca',
      rig.certs.ca,
    ]);
    assert.equal(plain.code, 2, plain.stderr);
    assert.match(plain.stderr, /need an amqps:\/\/ URL/);
    const missing = await list(Y_TRUE, [
      '--transport=nats',
      '--url',
      'nats://127.0.0.1:1',
      '--tls-ca',
      '/no/ca.pem',
    ]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /cannot read --tls-ca \/no\/ca\.pem/);
  });
});
