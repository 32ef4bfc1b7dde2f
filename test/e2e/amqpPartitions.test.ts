/**
 * The metric partitioned by record id over RabbitMQ, as OS processes of the real CLI: features and model route
 * by id, one metric per partition logs exactly the ids of its partition, and a second metric of a partition
 * waits while the first lives and takes over, losing and repeating nothing, when the first is killed (kill -9).
 * A service whose --partitions differs from the running pipeline's, more or fewer, stops with exit 2; services
 * of one count started at once never stop each other.
 *
 * `features` is a real queue of the wire contract, so the tests take the real queues' lock and reset them; the
 * partition queues they create are deleted before and after.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { partitionTopics } from '../../src/core/partitions.js';
import { recordId } from '../../src/core/recordIds.js';
import { Y_PRED, Y_TRUE } from '../../src/core/topics.js';
import { deleteTopics, withRawChannel } from '../../harness/amqpBroker.js';
import { AMQP_URL } from '../../harness/brokers.js';
import { until } from '../../harness/poll.js';
import { checkQueues, resetRealQueues } from '../../harness/realQueues.js';
import { runCli } from '../../harness/cli.js';
import { onRealTopics } from '../support/realTopicsSuite.js';
import { ServiceProcesses } from '../../harness/serviceProcesses.js';
import {
  assertIdsInTheirPartitions,
  idsIn,
  refusedBesideFewerPartitions,
  startFeatures,
  startedTogetherNeverRefuse,
  takeOverFromKilledMetric,
} from '../support/partitionRuns.js';

const MAX_PARTITIONS = 3;
const partitionQueues = [Y_TRUE, Y_PRED].flatMap((t) =>
  partitionTopics(t, MAX_PARTITIONS).map((q) => q.name),
);
const amqp = ['--transport=amqp', '--url', AMQP_URL];

describe('metric partitions over RabbitMQ', () => {
  const procs = new ServiceProcesses();
  const real = onRealTopics({
    broker: 'rabbitmq',
    url: AMQP_URL,
    dirPrefix: 'amqp-partitions-',
    reset: async () => {
      await resetRealQueues();
      await deleteTopics(partitionQueues);
    },
    resetFirst: true,
    stopAll: () => procs.stopAll(),
  });

  it(
    'three metrics: every id once across the logs, each in the log of its partition',
    { timeout: 120_000 },
    async (t) => {
      if (real.skip) return t.skip(real.skip);
      await deleteTopics(partitionQueues); // each test starts without partition queues
      const RECORDS = 3000;
      const runId = 'p3run';
      const logDir = join(real.dir, 'three');
      const parts = ['--partitions', '3'];
      procs.start('model', { command: 'model', args: [...amqp, ...parts] });
      for (let p = 0; p < 3; p++)
        procs.start(`metric${p}`, {
          command: 'metric',
          args: [...amqp, ...parts, '--partition', String(p), '--log-dir', logDir],
        });
      await Promise.all([0, 1, 2].map((p) => procs.waitForOutput(`metric${p}`, /owns partition/, 30_000)));
      startFeatures(procs, 'features', [...amqp, ...parts], {
        records: RECORDS,
        interval: '0',
        runId,
        logDir,
      });
      const files = [0, 1, 2].map((p) => join(logDir, `metric_log.${p}.csv`));
      await until(
        async () => (await Promise.all(files.map(idsIn))).flat().length >= RECORDS,
        `${RECORDS} rows across the partition logs`,
        { timeoutMs: 90_000, intervalMs: 250, watch: procs },
      );
      for (const name of ['model', 'metric0', 'metric1', 'metric2']) await procs.stop(name);
      // Each partition's metric watches its own records, in files of its own.
      for (const [p, file] of files.entries()) {
        const summary = JSON.parse(await readFile(join(logDir, `metric_summary.${p}.json`), 'utf8')) as {
          n?: unknown;
        };
        assert.equal(
          summary.n,
          (await idsIn(file)).length,
          `metric_summary.${p}.json counts its partition's rows`,
        );
      }

      const seen = await assertIdsInTheirPartitions(files, 3, (m) => t.diagnostic(m));
      for (let i = 0; i < RECORDS; i++) assert.ok(seen.has(recordId(runId, i)), `record ${i} logged`);
      assert.equal(seen.size, RECORDS);
    },
  );

  it(
    'a second metric of a partition waits, then takes over from one killed with SIGKILL',
    { timeout: 120_000 },
    async (t) => {
      if (real.skip) return t.skip(real.skip);
      await deleteTopics(partitionQueues); // each test starts without partition queues
      await takeOverFromKilledMetric(procs, t, {
        transport: [...amqp, '--partitions', '2'],
        partitions: 2,
        records: 2000,
        runId: 'p2takeover',
        logDir: join(real.dir, 'takeover'),
        takeoverMs: 30_000,
      });
    },
  );

  it('a service started with fewer partitions than the broker has stops with exit 2', async (t) => {
    if (real.skip) return t.skip(real.skip);
    await deleteTopics(partitionQueues);
    // Queues of a pipeline of three partitions (partitions 1 and 2 are enough for the check).
    await withRawChannel(async (ch) => {
      for (const q of ['y_true.1', 'y_true.2']) await ch.assertQueue(q, { durable: true });
    });
    for (const args of [
      ['model', ...amqp, '--partitions', '2'],
      ['metric', ...amqp, '--partitions', '2', '--partition', '0', '--log-dir', join(real.dir, 'mismatch')],
      ['features', ...amqp, '--count', '1', '--log-dir', join(real.dir, 'mismatch')],
    ]) {
      const r = await runCli(args, { timeoutMs: 30_000 });
      assert.equal(r.code, 2, `${args[0]} exits 2\n${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /--partitions [12], but the broker has y_true\.[12]/);
    }
    await deleteTopics(partitionQueues);
  });
  it('a service started with more partitions than the running pipeline stops with exit 2', async (t) => {
    if (real.skip) return t.skip(real.skip);
    await deleteTopics(partitionQueues);
    // A running pipeline of two partitions: its model declares partition 1's queues, then partition 0's.
    await refusedBesideFewerPartitions(procs, amqp, join(real.dir, 'fewer'), {
      what: 'the queues of two partitions',
      ready: async () => (await checkQueues(['y_pred.0'])).get('y_pred.0'),
    });
    const left = await checkQueues(['y_true.2', 'y_pred.2']);
    assert.deepEqual([...left.values()], [undefined, undefined], 'a refused service declares nothing');
    await deleteTopics(partitionQueues);
  });

  it('services of one count started at once never refuse each other', { timeout: 120_000 }, async (t) => {
    if (real.skip) return t.skip(real.skip);
    await startedTogetherNeverRefuse(procs, {
      check: {
        transport: 'amqp',
        url: AMQP_URL,
        natsMode: 'jetstream',
        replicas: 1,
        legacyQueues: false,
        queueType: 'classic',
      },
      transport: amqp,
      logDir: join(real.dir, 'together'),
      clean: () => deleteTopics(partitionQueues),
      assertAllDeclared: async () => {
        const queues = await checkQueues(partitionQueues);
        assert.ok(
          [...queues.values()].every((q) => q !== undefined),
          'every partition queue declared',
        );
      },
    });
  });
});
