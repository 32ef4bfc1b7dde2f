/**
 * The dead-letter stores against the real RabbitMQ and NATS JetStream, on topics of their own: dead letters made
 * by the transport itself are counted, walked (kept in place and in order, replayed with their bytes unchanged,
 * removed), bounded by maxKept, and purged.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { concatMap, firstValueFrom, map, take, tap, toArray, timeout } from 'rxjs';
import type { DeadLetterAction } from '../../src/core/deadLetterStore.js';
import { reasonCode } from '../../src/core/deadLetters.js';
import { queueTopic, type Topic } from '../../src/core/topics.js';
import type { Transport } from '../../src/core/transport.js';
import { createTransport } from '../../src/transports/createTransport.js';
import { openDeadLetterStore } from '../../src/transports/openDeadLetterStore.js';
import { NATS_DEFAULTS } from '../../src/transports/nats/options.js';
import { connect } from 'nats';
import { streamName } from '../../src/transports/nats/names.js';
import { deleteTopics, withRawChannel } from '../../harness/amqpBroker.js';
import { AMQP_URL, brokerReachable, NATS_URL } from '../../harness/brokers.js';
import { deleteStreams, uniqueName } from '../../harness/natsServer.js';

const LETTERS: readonly [string, string][] = [
  ['{"id":"k1","body":1}', 'keep_me: first'],
  ['{"id":"r1","body":2}', 'redo: first'],
  ['not json at all', 'drop: only'],
  ['{"id":"k2","body":3}', 'keep_me: second'],
  ['{"id":"r2","body":4}', 'redo: second'],
];
const ACTIONS: Readonly<Record<string, DeadLetterAction>> = {
  keep_me: 'keep',
  redo: 'replay',
  drop: 'remove',
};

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Dead-letters each message of LETTERS, in order, through the transport as a service would. */
async function makeDeadLetters(transport: Transport, topic: Topic): Promise<void> {
  for (const [body] of LETTERS) await transport.publishRaw(topic, bytes(body));
  // One at a time (prefetch 1, each dead-lettered before the next comes): stored in the order of LETTERS.
  await firstValueFrom(
    transport.consume(topic, { prefetch: 1 }).pipe(
      take(LETTERS.length),
      concatMap(async (d) => {
        await d.deadLetter(LETTERS.find(([body]) => body === text(d.data))?.[1] ?? 'unknown: ?');
      }),
      toArray(),
      timeout(20_000),
    ),
  );
}

/** Deletes the topic's own queue or stream (not its dead letters), as if the broker had never seen it. */
async function dropTopic(kind: 'amqp' | 'nats', topic: Topic): Promise<void> {
  if (kind === 'amqp') {
    await withRawChannel((ch) => ch.deleteQueue(topic.name));
    return;
  }
  const nc = await connect({ servers: NATS_URL });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(streamName(NATS_DEFAULTS.streamPrefix, topic.name, 'queue'));
  } finally {
    await nc.close();
  }
}

for (const kind of ['amqp', 'nats'] as const) {
  const url = kind === 'amqp' ? AMQP_URL : NATS_URL;
  const skip = await brokerReachable(kind === 'amqp' ? 'rabbitmq' : 'nats', url);
  const topic = queueTopic(uniqueName('dlstore'));

  describe(`${kind} dead-letter store`, { skip }, () => {
    after(async () => {
      if (kind === 'amqp') await deleteTopics([topic.name]);
      else await deleteStreams(NATS_URL, `${NATS_DEFAULTS.streamPrefix}${topic.name}`);
    });

    it('keeps in place and in order, replays unchanged, removes, stops at maxKept, purges', async () => {
      const transport = await createTransport({ kind, url, logger: () => undefined });
      const store = await openDeadLetterStore({ kind, url });
      try {
        assert.equal(await store.count(topic), 0, 'no queue or stream yet: none');
        assert.deepEqual(await store.walk(topic, () => 'replay', { maxKept: 10 }), {
          visited: 0,
          kept: 0,
          complete: true,
        });
        await makeDeadLetters(transport, topic);
        assert.equal(await store.count(topic), LETTERS.length);
        // A replay must create the topic's queue or stream when it is gone, not publish into the void.
        await dropTopic(kind, topic);

        const walked = await store.walk(topic, (l) => ACTIONS[reasonCode(l.reason)] ?? 'keep', {
          maxKept: 10,
        });
        assert.deepEqual(walked, { visited: 5, kept: 2, complete: true });
        assert.equal(await store.count(topic), 2);

        const left: string[] = [];
        await store.walk(
          topic,
          (l) => {
            left.push(`${l.reason} ${text(l.data)}`);
            return 'keep';
          },
          { maxKept: 10 },
        );
        assert.deepEqual(left, [
          'keep_me: first {"id":"k1","body":1}',
          'keep_me: second {"id":"k2","body":3}',
        ]);

        // A fresh transport (the first one remembers the queue or stream it declared), acking as messages come.
        const reader = await createTransport({ kind, url, logger: () => undefined });
        const replayed = await firstValueFrom(
          reader.consume(topic).pipe(
            take(2),
            tap((d) => d.ack()),
            map((d) => text(d.data)),
            toArray(),
            timeout(20_000),
          ),
        );
        await reader.close();
        // Sorted: a copy the first consumer took while going away comes back behind the other (RabbitMQ).
        assert.deepEqual([...replayed].sort(), ['{"id":"r1","body":2}', '{"id":"r2","body":4}']);

        assert.deepEqual(await store.walk(topic, () => 'keep', { maxKept: 1 }), {
          visited: 1,
          kept: 1,
          complete: false,
        });
        assert.equal(await store.count(topic), 2, 'a bounded walk leaves them all');
        assert.equal(await store.purge(topic), 2);
        assert.equal(await store.count(topic), 0);
      } finally {
        await store.close();
        await transport.close();
      }
    });
  });
}
