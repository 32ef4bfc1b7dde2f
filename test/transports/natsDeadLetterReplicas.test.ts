/**
 * `pipeline dead-letters replay` on a JetStream cluster of the test's own (three nats-servers): a replay that
 * finds its topic's stream gone re-creates it with the replicas it is given (`--replicas`), as the services would
 * have, not with one copy that a single server's loss would take away.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { firstValueFrom, take, timeout, toArray, concatMap } from 'rxjs';
import { queueTopic } from '../../src/core/topics.js';
import { createTransport } from '../../src/transports/createTransport.js';
import { streamName } from '../../src/transports/nats/names.js';
import { NATS_DEFAULTS } from '../../src/transports/nats/options.js';
import { openDeadLetterStore } from '../../src/transports/openDeadLetterStore.js';
import { OwnNatsCluster } from '../../harness/natsCluster.js';
import { NATS_SERVER_BIN, uniqueName } from '../../harness/natsServer.js';

const skip = existsSync(NATS_SERVER_BIN) ? false : `${NATS_SERVER_BIN} is not installed`;

describe('a dead-letter replay on a JetStream cluster', { skip, timeout: 120_000 }, () => {
  let cluster: OwnNatsCluster;
  before(async () => {
    cluster = await OwnNatsCluster.create(3);
    await cluster.start();
  });
  after(async () => {
    await cluster.dispose();
  });

  /** The replicas of `stream` as the cluster reports them. */
  const replicasOf = (stream: string): Promise<number> =>
    cluster.withConnection(async (nc) => {
      const info = await (await nc.jetstreamManager()).streams.info(stream);
      return info.config.num_replicas;
    });

  it('re-creates a missing topic stream with --replicas copies', async () => {
    const topic = queueTopic(uniqueName('dlrepl'));
    const topicStream = streamName(NATS_DEFAULTS.streamPrefix, topic.name, 'queue');
    const deadStream = streamName(NATS_DEFAULTS.streamPrefix, topic.name, 'deadLetter');
    const transport = await createTransport({
      kind: 'nats',
      url: cluster.url,
      replicas: 3,
      logger: () => undefined,
    });
    try {
      await transport.publishRaw(topic, new TextEncoder().encode('{"id":"a","body":"not a number"}'));
      await firstValueFrom(
        transport.consume(topic, { prefetch: 1 }).pipe(
          take(1),
          concatMap((d) => d.deadLetter('bad_body: body must be a finite number')),
          toArray(),
          timeout(20_000),
        ),
      );
    } finally {
      await transport.close();
    }
    assert.equal(await replicasOf(topicStream), 3, 'the services made the topic stream with three copies');
    assert.equal(await replicasOf(deadStream), 3);
    await cluster.withConnection(async (nc) => (await nc.jetstreamManager()).streams.delete(topicStream));

    const store = await openDeadLetterStore({ kind: 'nats', url: cluster.url, replicas: 3 });
    try {
      assert.deepEqual(await store.walk(topic, () => 'replay', { maxKept: 10 }), {
        visited: 1,
        kept: 0,
        complete: true,
      });
      assert.equal(await store.count(topic), 0);
    } finally {
      await store.close();
    }
    assert.equal(
      await replicasOf(topicStream),
      3,
      'the replay re-created the topic stream with three copies',
    );
    const messages = await cluster.withConnection(
      async (nc) => (await (await nc.jetstreamManager()).streams.info(topicStream)).state.messages,
    );
    assert.equal(messages, 1, 'the dead letter is back on its topic');
  });
});
