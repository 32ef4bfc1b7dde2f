/**
 * The NATS transport against the real nats-server: the shared conformance suite in JetStream mode and in core
 * mode. What is specific to NATS is in natsJetstream.test.ts, natsCore.test.ts and natsServer.test.ts.
 */
import { brokerReachable, NATS_URL } from '../../harness/brokers.js';
import { deleteTopicStreams, uniqueName } from '../../harness/natsServer.js';
import { createNatsTransport, type NatsTransportOptions } from '../../src/transports/nats/index.js';
import { describeTransport } from './conformance.js';

const skip = await brokerReachable('nats', NATS_URL);
const prefix = `${uniqueName('TCONF')}_`;
const natsAddress = (): { host: string; port: number } => {
  const u = new URL(NATS_URL);
  return { host: u.hostname, port: Number(u.port || 4222) };
};

/** Log lines go nowhere unless NATS_TEST_LOG=1: reconnect tests warn on purpose. */
const options = (mode: 'jetstream' | 'core', url = NATS_URL): NatsTransportOptions => ({
  url,
  mode,
  streamPrefix: prefix,
  reconnectDelayMs: 50,
  maxReconnectDelayMs: 500,
  reconnectJitterMs: 50,
  closeTimeoutMs: 5_000,
  logger: (level, message) => {
    if (process.env.NATS_TEST_LOG === '1') process.stderr.write(`[nats ${mode} test] ${level}: ${message}\n`);
  },
});

const extra = {
  proxyTarget: natsAddress(),
  urlVia: (port: number) => `nats://127.0.0.1:${port}`,
  skip,
};

describeTransport(
  'nats (JetStream)',
  {
    persistent: true,
    orderedFromOneProducer: true,
    workQueue: true,
    broadcast: true,
    redeliversOnNack: true,
    redeliversUnackedOnConsumerDeath: true,
    deadLetters: true,
    reconnects: true,
    cleanup: (topics) => deleteTopicStreams(NATS_URL, prefix, topics),
  },
  (opts) => createNatsTransport(options('jetstream', opts?.url)),
  extra,
);

describeTransport(
  'nats (core)',
  {
    // Core NATS stores nothing: a message is delivered to whoever is subscribed when it is published.
    persistent: false,
    keepsMessagesWithoutConsumers: false,
    orderedFromOneProducer: true,
    workQueue: true,
    broadcast: true,
    // ack and nack are local no-ops: core NATS has no acknowledgements, so it cannot redeliver anything.
    redeliversOnNack: false,
    redeliversUnackedOnConsumerDeath: false,
    // Dead letters are published, but only a reader subscribed at that moment receives them.
    deadLetters: false,
    reconnects: true,
  },
  (opts) => createNatsTransport(options('core', opts?.url)),
  extra,
);
