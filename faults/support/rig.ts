/**
 * The broker side of a fault scenario: where the services connect (always through a TCP proxy the test controls,
 * so that a scenario can cut every connection), how the pipeline's queues or streams are reset between scenarios,
 * and what is left in them afterwards.
 *
 * - RabbitMQ: the shared broker on :5672, never stopped; the real queue names (the wire contract) are used, so a
 *   RabbitMQ rig holds `lockRealQueues()` from `open` to `dispose`.
 * - NATS (JetStream or core): a nats-server of the suite's own on a free port, with its own store directory. The
 *   shared server on :4222 is never touched, and this server may be killed and restarted at will.
 */
import { connect as amqpConnect } from 'amqplib';
import { connect } from 'nats';
import { QUEUE_TOPICS, deadLetterTopicName, type Topic } from '../../src/core/topics.js';
import type { Transport } from '../../src/core/transport.js';
import { createAmqpTransport } from '../../src/transports/amqp/index.js';
import { createNatsTransport, NATS_DEFAULTS } from '../../src/transports/nats/index.js';
import { subjectOf } from '../../src/transports/nats/names.js';
import { deadLetterReasons, queueBacklog, streamCounts } from './natsStreams.js';
import { AMQP_URL, brokerReachable } from '../../harness/brokers.js';
import { deleteTopicStreams, OwnNatsServer } from '../../harness/natsServer.js';
import { checkQueues, lockRealQueues, resetRealQueues } from '../../harness/realQueues.js';
import { startTcpProxy, type TcpProxy } from '../../harness/tcpProxy.js';
import { amqpUrlVia, brokerAddress, withRawChannel } from '../../harness/amqpBroker.js';
import { sleep } from '../../harness/poll.js';

/** The transport modes the suite runs its scenarios over. */
export type FaultTransport = 'amqp' | 'nats' | 'nats-core';

export const TRANSPORT_LABEL: Readonly<Record<FaultTransport, string>> = {
  amqp: 'RabbitMQ',
  nats: 'NATS JetStream',
  'nats-core': 'core NATS',
};

/** The queue topics of the pipeline, in the order features → model → metric. */
export const PIPELINE_TOPICS: readonly Topic[] = QUEUE_TOPICS;

/** Messages per topic: still queued, and dead-lettered. Core NATS stores neither (both undefined). */
export interface Backlog {
  readonly queued: Readonly<Record<string, number>> | undefined;
  readonly deadLetters: Readonly<Record<string, number>> | undefined;
  /**
   * JetStream: messages a queue stream still stores though its consumer acknowledged them (see QueueBacklog);
   * not in `queued`.
   */
  readonly acknowledged?: Readonly<Record<string, number>>;
}

export interface Rig {
  readonly transport: FaultTransport;
  /** `RabbitMQ`, `NATS JetStream`, `core NATS`. */
  readonly label: string;
  /** The CLI arguments that point a service at the broker, through the proxy. */
  readonly serviceArgs: readonly string[];
  /** Between the services and the broker: `cut()` resets every connection. */
  readonly proxy: TcpProxy;
  /** Own nats-server (NATS rigs only): may be killed and restarted with its store. */
  readonly natsServer: OwnNatsServer | undefined;
  /** Deletes the topics' queues or streams and their dead letters: a scenario starts from nothing. */
  reset(): Promise<void>;
  /** What the topics hold now (meaningful once every consumer has stopped). */
  backlog(): Promise<Backlog>;
  /** The dead letters of `topic` with their reasons, read without removing them (RabbitMQ, JetStream). */
  deadLetterReasons(topic: Topic): Promise<string[]>;
  /**
   * Publishes bytes as a foreign producer would, with the broker's own client (no size check, no encoding),
   * straight to the broker; resolves once the broker has them all (confirms, PubAcks).
   */
  inject(messages: readonly { readonly topic: Topic; readonly bytes: Uint8Array }[]): Promise<void>;
  /** A transport of the test process, straight to the broker (not through the proxy). Closed by `dispose`. */
  client(): Promise<Transport>;
  dispose(): Promise<void>;
}

/** What a run of the pipeline needs of its rig (a cluster rig has neither a proxy nor a single server). */
export type PipelineRig = Pick<
  Rig,
  'transport' | 'label' | 'serviceArgs' | 'reset' | 'backlog' | 'deadLetterReasons'
>;

/**
 * Opens a rig, or returns the reason to skip (broker unreachable and REQUIRE_BROKERS unset). A RabbitMQ rig waits
 * for the real queues' lock, which other test files take too.
 */
export async function openRig(transport: FaultTransport): Promise<Rig | string> {
  if (transport === 'amqp') {
    const skip = await brokerReachable('rabbitmq', AMQP_URL);
    return skip === false ? openAmqpRig() : skip;
  }
  return openNatsRig(transport);
}

async function openAmqpRig(): Promise<Rig> {
  const unlock = await lockRealQueues(600_000);
  const proxy = await startTcpProxy(brokerAddress());
  const clients: Transport[] = [];
  return {
    transport: 'amqp',
    label: TRANSPORT_LABEL.amqp,
    serviceArgs: ['--transport=amqp', '--url', amqpUrlVia(proxy.port)],
    proxy,
    natsServer: undefined,
    reset: resetRealQueues,
    backlog: async () => {
      const names = PIPELINE_TOPICS.flatMap((t) => [t.name, deadLetterTopicName(t.name)]);
      const q = await checkQueues(names);
      const count = (name: string): number => q.get(name)?.messages ?? 0;
      return {
        queued: Object.fromEntries(PIPELINE_TOPICS.map((t) => [t.name, count(t.name)])),
        deadLetters: Object.fromEntries(
          PIPELINE_TOPICS.map((t) => [t.name, count(deadLetterTopicName(t.name))]),
        ),
      };
    },
    deadLetterReasons: (topic) => amqpDeadLetterReasons(deadLetterTopicName(topic.name)),
    inject: async (messages) => {
      const conn = await amqpConnect(AMQP_URL);
      try {
        const ch = await conn.createConfirmChannel();
        // A message sent to a queue that does not exist vanishes: make sure the services declared them.
        for (const name of new Set(messages.map((m) => m.topic.name))) await ch.checkQueue(name);
        let sent = 0;
        for (const m of messages) {
          ch.sendToQueue(m.topic.name, Buffer.from(m.bytes), { persistent: true });
          if (++sent % 500 === 0) await ch.waitForConfirms();
        }
        await ch.waitForConfirms();
      } finally {
        await conn.close();
      }
    },
    client: async () => {
      const t = await createAmqpTransport({ url: AMQP_URL, logger: () => undefined });
      clients.push(t);
      return t;
    },
    dispose: async () => {
      try {
        await Promise.all(clients.map((c) => c.close()));
        await proxy.close();
        await resetRealQueues();
      } finally {
        await unlock();
      }
    },
  };
}

/** Reads every message of a dead-letter queue and requeues them all (the channel closes without acking). */
async function amqpDeadLetterReasons(queue: string): Promise<string[]> {
  const exists = (await checkQueues([queue])).get(queue);
  if (exists === undefined) return [];
  return withRawChannel(async (ch) => {
    const reasons: string[] = [];
    for (;;) {
      const m = await ch.get(queue, { noAck: false });
      if (m === false) break;
      const reason: unknown = m.properties.headers?.['x-dead-letter-reason'];
      reasons.push(typeof reason === 'string' ? reason : Buffer.isBuffer(reason) ? reason.toString() : '');
    }
    return reasons;
  });
}

async function openNatsRig(transport: 'nats' | 'nats-core'): Promise<Rig> {
  const server = await OwnNatsServer.create();
  await server.start();
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: server.port });
  const clients: Transport[] = [];
  const prefix = NATS_DEFAULTS.streamPrefix;
  const topicNames = PIPELINE_TOPICS.map((t) => t.name);
  const core = transport === 'nats-core';
  return {
    transport,
    label: TRANSPORT_LABEL[transport],
    serviceArgs: [
      '--transport=nats',
      '--url',
      `nats://127.0.0.1:${proxy.port}`,
      ...(core ? ['--nats-mode=core'] : []),
    ],
    proxy,
    natsServer: server,
    reset: () => deleteTopicStreams(server.url, prefix, topicNames),
    backlog: async () =>
      core
        ? { queued: undefined, deadLetters: undefined }
        : {
            ...(await queueBacklog(server.url, topicNames)),
            deadLetters: await streamCounts(server.url, topicNames, 'deadLetter'),
          },
    deadLetterReasons: (topic) => (core ? Promise.resolve([]) : deadLetterReasons(server.url, topic)),
    inject: async (messages) => {
      const nc = await connect({ servers: server.url });
      try {
        if (core) {
          for (const m of messages) nc.publish(m.topic.name, m.bytes);
          await nc.flush();
          return;
        }
        const js = nc.jetstream();
        // The services create the streams as they start: until then a publish finds no responder (503).
        const publish = async (m: (typeof messages)[number]): Promise<void> => {
          for (let attempt = 0; ; attempt++) {
            try {
              return void (await js.publish(subjectOf(m.topic.name, 'queue'), m.bytes));
            } catch (e) {
              if ((e as { code?: string }).code !== '503' || attempt >= 100) throw e;
              await sleep(100);
            }
          }
        };
        for (let i = 0; i < messages.length; i += 200)
          await Promise.all(messages.slice(i, i + 200).map(publish));
      } finally {
        await nc.close();
      }
    },
    client: async () => {
      const t = await createNatsTransport({
        url: server.url,
        mode: core ? 'core' : 'jetstream',
        logger: () => undefined,
      });
      clients.push(t);
      return t;
    },
    dispose: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await proxy.close();
      await server.dispose();
    },
  };
}
