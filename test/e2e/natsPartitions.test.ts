/**
 * The metric partitioned by record id over NATS JetStream: the one-process pipeline with two partitions logs
 * every id once, in the log of its partition; a second metric of a partition waits for the lease and takes over
 * from one killed with SIGKILL; a service whose --partitions differs from the running pipeline's, more or fewer,
 * stops with exit 2, and services of one count started at once never stop each other. `features` is a real
 * stream of the wire contract, so the test
 * takes the real topics' lock and resets them; the partition streams it creates are deleted before and after.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect } from 'nats';
import { partitionTopics } from '../../src/core/partitions.js';
import { Y_PRED, Y_TRUE } from '../../src/core/topics.js';
import { streamName } from '../../src/transports/nats/names.js';
import { NATS_DEFAULTS } from '../../src/transports/nats/options.js';
import { LEASE_BUCKET } from '../../src/transports/nats/partitionLease.js';
import { NATS_URL } from '../../harness/brokers.js';
import { runCli } from '../../harness/cli.js';
import { onRealTopics } from '../support/realTopicsSuite.js';
import { ServiceProcesses } from '../../harness/serviceProcesses.js';
import { resetRealStreams } from '../../harness/realQueues.js';
import {
  assertIdsInTheirPartitions,
  refusedBesideFewerPartitions,
  startedTogetherNeverRefuse,
  takeOverFromKilledMetric,
} from '../support/partitionRuns.js';

const PARTITIONS = 2;
const RECORDS = 500;
// Partition 2 too: the mismatch test makes its stream.
const partitionStreams = [Y_TRUE, Y_PRED]
  .flatMap((t) => partitionTopics(t, PARTITIONS + 1))
  .flatMap((t) =>
    (['queue', 'deadLetter'] as const).map((k) => streamName(NATS_DEFAULTS.streamPrefix, t.name, k)),
  );

async function deletePartitionStreams(): Promise<void> {
  const nc = await connect({ servers: NATS_URL, name: 'rx-ml-pipeline-tests' });
  try {
    const jsm = await nc.jetstreamManager();
    // Missing ones are fine. The lease bucket's stream goes too: the tests created it.
    for (const name of [...partitionStreams, `KV_${LEASE_BUCKET}`])
      await jsm.streams.delete(name).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** The queue topics among `topics` whose stream exists. */
async function withStreams(topics: readonly string[]): Promise<string[]> {
  const nc = await connect({ servers: NATS_URL, name: 'rx-ml-pipeline-tests' });
  try {
    const jsm = await nc.jetstreamManager();
    const found: string[] = [];
    for (const topic of topics)
      if (
        await jsm.streams.info(streamName(NATS_DEFAULTS.streamPrefix, topic, 'queue')).catch(() => undefined)
      )
        found.push(topic);
    return found;
  } finally {
    await nc.close();
  }
}

describe('metric partitions over NATS JetStream', () => {
  const procs = new ServiceProcesses();
  const real = onRealTopics({
    broker: 'nats',
    url: NATS_URL,
    dirPrefix: 'nats-partitions-',
    reset: async () => {
      await resetRealStreams();
      await deletePartitionStreams();
    },
    resetFirst: true,
    stopAll: () => procs.stopAll(),
  });

  it(
    'the one-process pipeline with two partitions logs every id once, in its partition',
    { timeout: 90_000 },
    async (t) => {
      if (real.skip) return t.skip(real.skip);
      const r = await runCli(
        [
          '--transport=nats',
          '--url',
          NATS_URL,
          '--partitions',
          String(PARTITIONS),
          '--interval',
          '0',
          '--count',
          String(RECORDS),
          '--log-dir',
          real.dir,
          '--no-dashboard',
        ],
        { timeoutMs: 80_000 },
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const files = Array.from({ length: PARTITIONS }, (_, p) => join(real.dir, `metric_log.${p}.csv`));
      const seen = await assertIdsInTheirPartitions(files, PARTITIONS);
      assert.equal(seen.size, RECORDS);
    },
  );

  it(
    'a second metric of a partition waits, then takes over from one killed with SIGKILL',
    { timeout: 150_000 },
    async (t) => {
      if (real.skip) return t.skip(real.skip);
      await deletePartitionStreams();
      await takeOverFromKilledMetric(procs, t, {
        transport: ['--transport=nats', '--url', NATS_URL, '--partitions', String(PARTITIONS)],
        partitions: PARTITIONS,
        records: 1500,
        runId: 'n2takeover',
        logDir: join(real.dir, 'takeover'),
        takeoverMs: 40_000, // the dead holder's key expires (10 s) before the second one gets it
      });
    },
  );

  it('a service started with fewer partitions than the server has streams for stops with exit 2', async (t) => {
    if (real.skip) return t.skip(real.skip);
    await deletePartitionStreams();
    // The stream of partition 2's y_true, as a pipeline of three partitions has it.
    const name = streamName(NATS_DEFAULTS.streamPrefix, 'y_true.2', 'queue');
    const nc = await connect({ servers: NATS_URL, name: 'rx-ml-pipeline-tests' });
    try {
      await (await nc.jetstreamManager()).streams.add({ name, subjects: ['partition-test.y_true.2'] });
    } finally {
      await nc.close();
    }
    const r = await runCli(['model', '--transport=nats', '--url', NATS_URL, '--partitions', '2'], {
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--partitions 2, but the broker has y_true\.2/);
    await deletePartitionStreams();
  });
  it('a service started with more partitions than the running pipeline stops with exit 2', async (t) => {
    if (real.skip) return t.skip(real.skip);
    await deletePartitionStreams();
    const nats = ['--transport=nats', '--url', NATS_URL];
    // A running pipeline of two partitions: its model creates partition 1's streams, then partition 0's.
    await refusedBesideFewerPartitions(procs, nats, join(real.dir, 'fewer'), {
      what: 'the streams of two partitions',
      ready: async () => (await withStreams(['y_pred.0'])).length === 1,
    });
    assert.deepEqual(await withStreams(['y_true.2', 'y_pred.2']), [], 'a refused service creates nothing');
    await deletePartitionStreams();
  });

  it('services of one count started at once never refuse each other', { timeout: 120_000 }, async (t) => {
    if (real.skip) return t.skip(real.skip);
    const topics = [Y_TRUE, Y_PRED].flatMap((tp) => partitionTopics(tp, 3)).map((tp) => tp.name);
    await startedTogetherNeverRefuse(procs, {
      check: {
        transport: 'nats',
        url: NATS_URL,
        natsMode: 'jetstream',
        replicas: 1,
        legacyQueues: false,
        queueType: 'classic',
      },
      transport: ['--transport=nats', '--url', NATS_URL],
      logDir: join(real.dir, 'together'),
      clean: deletePartitionStreams,
      assertAllDeclared: async () =>
        assert.deepEqual(
          (await withStreams(topics)).sort(),
          [...topics].sort(),
          'every partition stream created',
        ),
    });
  });
});
