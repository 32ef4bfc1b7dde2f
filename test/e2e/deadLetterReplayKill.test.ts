/**
 * `pipeline dead-letters replay` killed with SIGKILL part way, then run again, over RabbitMQ and NATS JetStream:
 * 2,000 dead letters of `features` (no model runs, so replayed messages stay in the topic). Afterwards every
 * record id is in `features` at least once, read back by the test from the broker, and the dead letters are gone.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as amqpConnect } from 'amqplib';
import { recordIdOf } from '../../src/core/deadLetters.js';
import { FEATURES, deadLetterTopicName } from '../../src/core/topics.js';
import { deadLetterHeaders } from '../../src/transports/nats/deadLetter.js';
import { streamConfig, streamName, subjectOf } from '../../src/transports/nats/names.js';
import { NATS_DEFAULTS } from '../../src/transports/nats/options.js';
import {
  deadLetterProperties,
  deadLetterQueueDeclaration,
  workQueueDeclaration,
} from '../../src/transports/amqp/topology.js';
import { AMQP_URL, brokerReachable, NATS_URL } from '../../harness/brokers.js';
import { startCli, type CliResult } from '../../harness/cli.js';
import { withNats } from '../../harness/natsServer.js';
import { until } from '../../harness/poll.js';
import { onRealTopicsPerBroker } from '../support/realTopicsSuite.js';
import { resetRealQueues, resetRealStreams } from '../../harness/realQueues.js';

const LETTERS = 2_000;
const REASON = 'wrong_shape: expected 3 features (a, b, c), got 10';
const idOf = (i: number): string => `kill-${i}`;
const body = (i: number): Buffer =>
  Buffer.from(JSON.stringify({ id: idOf(i), body: [i, 0, 0, 0, 0, 0, 0, 0, 0, 0] }));

interface Broker {
  readonly kind: 'amqp' | 'nats';
  readonly url: string;
  readonly reachable: () => Promise<string | false>;
  readonly reset: () => Promise<void>;
  /** Stores the dead letters as the transport does (same queue or stream, same reason header). */
  readonly seed: () => Promise<void>;
  readonly deadLetters: () => Promise<number>;
  /** Every message waiting in `features`, as record ids (taken off the queue on RabbitMQ, read on JetStream). */
  readonly drainTopic: () => Promise<string[]>;
}

const amqp: Broker = {
  kind: 'amqp',
  url: AMQP_URL,
  reachable: () => brokerReachable('rabbitmq', AMQP_URL),
  reset: resetRealQueues,
  seed: async () => {
    const conn = await amqpConnect(AMQP_URL);
    try {
      const ch = await conn.createConfirmChannel();
      const dl = deadLetterQueueDeclaration(FEATURES.name);
      await ch.assertQueue(dl.queue, dl.options);
      const q = workQueueDeclaration(FEATURES.name, false);
      await ch.assertQueue(q.queue, q.options);
      for (let i = 0; i < LETTERS; i++)
        ch.sendToQueue(
          dl.queue,
          body(i),
          deadLetterProperties({ messageId: idOf(i) }, REASON, FEATURES.name),
        );
      await ch.waitForConfirms();
    } finally {
      await conn.close();
    }
  },
  deadLetters: async () => {
    const conn = await amqpConnect(AMQP_URL);
    try {
      return (await (await conn.createChannel()).checkQueue(deadLetterTopicName(FEATURES.name))).messageCount;
    } finally {
      await conn.close();
    }
  },
  drainTopic: async () => {
    // Nagle off, or each get waits ~40 ms behind the ack before it.
    const conn = await amqpConnect(AMQP_URL, { noDelay: true });
    try {
      const ch = await conn.createChannel();
      const ids: string[] = [];
      // Bounded: at most twice the dead letters (each replayed at most once per run, and there were two runs).
      for (
        let m = await ch.get(FEATURES.name);
        m !== false && ids.length <= 2 * LETTERS;
        m = await ch.get(FEATURES.name)
      ) {
        ids.push(recordIdOf(m.content) ?? '(no id)');
        ch.ack(m);
      }
      return ids;
    } finally {
      await conn.close();
    }
  },
};

const nats: Broker = {
  kind: 'nats',
  url: NATS_URL,
  reachable: () => brokerReachable('nats', NATS_URL),
  reset: () => resetRealStreams(NATS_URL),
  seed: () =>
    withNats(NATS_URL, async (nc) => {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add(streamConfig(FEATURES.name, 'deadLetter', NATS_DEFAULTS));
      await jsm.streams.add(streamConfig(FEATURES.name, 'queue', NATS_DEFAULTS));
      const js = nc.jetstream();
      const subject = subjectOf(FEATURES.name, 'deadLetter');
      for (let i = 0; i < LETTERS; i += 200)
        await Promise.all(
          Array.from({ length: Math.min(200, LETTERS - i) }, (_, k) =>
            js.publish(subject, body(i + k), { headers: deadLetterHeaders(REASON, FEATURES.name, 1) }),
          ),
        );
    }),
  deadLetters: () =>
    withNats(NATS_URL, async (nc) => {
      const jsm = await nc.jetstreamManager();
      return (await jsm.streams.info(streamName(NATS_DEFAULTS.streamPrefix, FEATURES.name, 'deadLetter')))
        .state.messages;
    }),
  drainTopic: () =>
    withNats(NATS_URL, async (nc) => {
      const jsm = await nc.jetstreamManager();
      const stream = streamName(NATS_DEFAULTS.streamPrefix, FEATURES.name, 'queue');
      const { first_seq, last_seq } = (await jsm.streams.info(stream)).state;
      const ids: string[] = [];
      for (let seq = first_seq; seq <= last_seq; seq++)
        ids.push(recordIdOf((await jsm.streams.getMessage(stream, { seq })).data) ?? '(no id)');
      return ids;
    }),
};
function replay(broker: Broker): { child: ReturnType<typeof startCli>['child']; done: Promise<CliResult> } {
  return startCli([
    'dead-letters',
    'replay',
    '--topic',
    'features',
    `--transport=${broker.kind}`,
    '--url',
    broker.url,
  ]);
}

describe('dead-letters replay killed with SIGKILL part way', () => {
  const useBroker = onRealTopicsPerBroker();

  for (const broker of [amqp, nats]) {
    it(
      `${broker.kind}: ${LETTERS} dead letters, replay killed, replayed again: each id in features, none left`,
      { timeout: 120_000 },
      async (t) => {
        if (!(await useBroker(t, broker))) return;
        await broker.seed();
        await until(async () => (await broker.deadLetters()) === LETTERS, `${LETTERS} dead letters`, {
          timeoutMs: 20_000,
          intervalMs: 100,
        });

        const first = replay(broker);
        const safety = setTimeout(() => first.child.kill('SIGKILL'), 60_000);
        // Killed as soon as it says it is part way.
        first.child.stdout?.on('data', (s: Buffer) => {
          if (s.toString().includes('replayed so far')) first.child.kill('SIGKILL');
        });
        const killed = await first.done;
        clearTimeout(safety);
        assert.equal(
          killed.signal,
          'SIGKILL',
          `the first replay was killed, not finished: ${killed.stdout}${killed.stderr}`,
        );
        const leftAfterKill = await broker.deadLetters();
        assert.ok(leftAfterKill > 0 && leftAfterKill < LETTERS, `killed part way (${leftAfterKill} left)`);

        const second = replay(broker);
        const timer = setTimeout(() => second.child.kill('SIGKILL'), 60_000);
        const done = await second.done;
        clearTimeout(timer);
        assert.equal(done.code, 0, done.stderr);
        assert.match(done.stdout, /left in .*: 0\n/);
        assert.equal(await broker.deadLetters(), 0);

        const ids = await broker.drainTopic();
        const distinct = new Set(ids);
        assert.equal(distinct.size, LETTERS, 'every record id is in features');
        for (let i = 0; i < LETTERS; i++) assert.ok(distinct.has(idOf(i)), `${idOf(i)} replayed`);
        t.diagnostic(
          `${broker.kind}: ${LETTERS - leftAfterKill} replayed before the kill, ${ids.length - LETTERS} published twice`,
        );
      },
    );
  }
});
