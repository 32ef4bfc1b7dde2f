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
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { partitionOf, partitionTopics } from '../../src/core/partitions.js';
import { recordId } from '../../src/core/recordIds.js';
import { Y_PRED, Y_TRUE } from '../../src/core/topics.js';
import { deleteTopics, withRawChannel } from '../../harness/amqpBroker.js';
import { AMQP_URL, brokerReachable } from '../../harness/brokers.js';
import { sleep, until } from '../../harness/poll.js';
import { checkQueues, lockRealQueues, resetRealQueues } from '../../harness/realQueues.js';
import { checkPartitionCount } from '../../src/cli/partitionCheck.js';
import { runCli } from '../../harness/cli.js';
import { ServiceProcesses } from '../../harness/serviceProcesses.js';

const MAX_PARTITIONS = 3;
const partitionQueues = [Y_TRUE, Y_PRED].flatMap((t) =>
  partitionTopics(t, MAX_PARTITIONS).map((q) => q.name),
);
const amqp = ['--transport=amqp', '--url', AMQP_URL];
const FEWER =
  /--partitions 3, but the broker has y_true\.0 and not y_true\.2: a pipeline with fewer partitions uses it\. Start every service with the same --partitions/;

/** The ids of a metric log's rows (header and a partial last line left out). */
const idsIn = async (file: string): Promise<string[]> =>
  (await readFile(file, 'utf8').catch(() => ''))
    .split('\n')
    .slice(1, -1)
    .map((l) => l.split(',')[0] as string);

describe('metric partitions over RabbitMQ', () => {
  const procs = new ServiceProcesses();
  let skip: string | false = false;
  let unlock: (() => Promise<void>) | undefined;
  let dir = '';

  before(async () => {
    skip = await brokerReachable('rabbitmq', AMQP_URL);
    dir = await mkdtemp(join(tmpdir(), 'amqp-partitions-'));
    if (skip) return;
    unlock = await lockRealQueues();
    await resetRealQueues();
    await deleteTopics(partitionQueues);
  });

  after(async () => {
    await procs.stopAll();
    try {
      if (unlock) {
        await resetRealQueues();
        await deleteTopics(partitionQueues);
      }
    } finally {
      await unlock?.();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it(
    'three metrics: every id once across the logs, each in the log of its partition',
    { timeout: 120_000 },
    async (t) => {
      if (skip) return t.skip(skip);
      await deleteTopics(partitionQueues); // each test starts without partition queues
      const RECORDS = 3000;
      const runId = 'p3run';
      const logDir = join(dir, 'three');
      const parts = ['--partitions', '3'];
      procs.start('model', { command: 'model', args: [...amqp, ...parts] });
      for (let p = 0; p < 3; p++)
        procs.start(`metric${p}`, {
          command: 'metric',
          args: [...amqp, ...parts, '--partition', String(p), '--log-dir', logDir],
        });
      await Promise.all([0, 1, 2].map((p) => procs.waitForOutput(`metric${p}`, /owns partition/, 30_000)));
      procs.start('features', {
        command: 'features',
        args: [
          ...amqp,
          ...parts,
          '--count',
          String(RECORDS),
          '--interval',
          '0',
          '--run-id',
          runId,
          '--log-dir',
          logDir,
        ],
        exitsByItself: true,
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

      const seen = new Set<string>();
      for (const [p, file] of files.entries()) {
        const ids = await idsIn(file);
        t.diagnostic(`partition ${p}: ${ids.length} rows`);
        for (const id of ids) {
          assert.equal(partitionOf(id, 3), p, `${id} is in the log of partition ${p}`);
          assert.ok(!seen.has(id), `${id} logged twice`);
          seen.add(id);
        }
      }
      for (let i = 0; i < RECORDS; i++) assert.ok(seen.has(recordId(runId, i)), `record ${i} logged`);
      assert.equal(seen.size, RECORDS);
    },
  );

  it(
    'a second metric of a partition waits, then takes over from one killed with SIGKILL',
    { timeout: 120_000 },
    async (t) => {
      if (skip) return t.skip(skip);
      await deleteTopics(partitionQueues); // each test starts without partition queues
      const RECORDS = 2000;
      const runId = 'p2takeover';
      const logDir = join(dir, 'takeover');
      const parts = ['--partitions', '2'];
      const metric0 = [...amqp, ...parts, '--partition', '0', '--log-dir', logDir, '--no-watch'];
      procs.start('model', { command: 'model', args: [...amqp, ...parts] });
      procs.start('first', { command: 'metric', args: metric0 });
      await procs.waitForOutput('first', /owns partition 0/, 30_000);
      procs.start('second', { command: 'metric', args: metric0 });
      await procs.waitForOutput('second', /waiting for the lease/, 30_000);

      procs.start('features', {
        command: 'features',
        args: [
          ...amqp,
          ...parts,
          '--count',
          String(RECORDS),
          '--interval',
          '3ms',
          '--run-id',
          runId,
          '--log-dir',
          logDir,
        ],
        exitsByItself: true,
      });
      const file = join(logDir, 'metric_log.0.csv');
      await until(async () => (await idsIn(file)).length >= 100, '100 rows by the first metric', {
        timeoutMs: 60_000,
        intervalMs: 100,
        watch: procs,
      });
      assert.doesNotMatch(procs.run('second').stdout + procs.run('second').stderr, /owns partition/);
      await procs.kill('first');
      const byFirst = (await idsIn(file)).length;
      await procs.waitForOutput('second', /owns partition 0/, 30_000);

      const expected = Array.from({ length: RECORDS }, (_, i) => recordId(runId, i)).filter(
        (id) => partitionOf(id, 2) === 0,
      );
      await until(async () => (await idsIn(file)).length >= expected.length, `${expected.length} rows`, {
        timeoutMs: 90_000,
        intervalMs: 250,
        watch: procs,
      });
      await procs.stop('second');
      await procs.stop('model');
      const ids = await idsIn(file);
      t.diagnostic(`${ids.length} rows in the log of partition 0, ${byFirst} of them by the first metric`);
      assert.ok(byFirst < expected.length, 'the first metric was killed before the end of the run');
      assert.equal(ids.length, expected.length, 'no row written twice');
      assert.deepEqual([...ids].sort(), [...expected].sort());
    },
  );

  it('a service started with fewer partitions than the broker has stops with exit 2', async (t) => {
    if (skip) return t.skip(skip);
    await deleteTopics(partitionQueues);
    // Queues of a pipeline of three partitions (partitions 1 and 2 are enough for the check).
    await withRawChannel(async (ch) => {
      for (const q of ['y_true.1', 'y_true.2']) await ch.assertQueue(q, { durable: true });
    });
    for (const args of [
      ['model', ...amqp, '--partitions', '2'],
      ['metric', ...amqp, '--partitions', '2', '--partition', '0', '--log-dir', join(dir, 'mismatch')],
      ['features', ...amqp, '--count', '1', '--log-dir', join(dir, 'mismatch')],
    ]) {
      const r = await runCli(args, { timeoutMs: 30_000 });
      assert.equal(r.code, 2, `${args[0]} exits 2\n${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /--partitions [12], but the broker has y_true\.[12]/);
    }
    await deleteTopics(partitionQueues);
  });
  it('a service started with more partitions than the running pipeline stops with exit 2', async (t) => {
    if (skip) return t.skip(skip);
    await deleteTopics(partitionQueues);
    // A running pipeline of two partitions: its model declares partition 1's queues, then partition 0's.
    procs.start('model2', { command: 'model', args: [...amqp, '--partitions', '2'] });
    await until(
      async () => (await checkQueues(['y_pred.0'])).get('y_pred.0'),
      'the queues of two partitions',
      {
        timeoutMs: 30_000,
        intervalMs: 100,
        watch: procs,
      },
    );
    const logDir = join(dir, 'fewer');
    for (const args of [
      ['model', ...amqp, '--partitions', '3'],
      ['metric', ...amqp, '--partitions', '3', '--partition', '2', '--log-dir', logDir],
      ['features', ...amqp, '--partitions', '3', '--count', '1', '--log-dir', logDir],
    ]) {
      const r = await runCli(args, { timeoutMs: 30_000 });
      assert.equal(r.code, 2, `${args[0]} exits 2\n${r.stdout}${r.stderr}`);
      assert.match(r.stderr, FEWER);
    }
    await procs.stop('model2');
    const left = await checkQueues(['y_true.2', 'y_pred.2']);
    assert.deepEqual([...left.values()], [undefined, undefined], 'a refused service declares nothing');
    await deleteTopics(partitionQueues);
  });

  it('services of one count started at once never refuse each other', { timeout: 120_000 }, async (t) => {
    if (skip) return t.skip(skip);
    const args = {
      transport: 'amqp',
      url: AMQP_URL,
      natsMode: 'jetstream',
      replicas: 1,
      legacyQueues: false,
      queueType: 'classic',
    } as const;
    // In the process, many at once on connections of their own, each a few ms after the one before, so that
    // some ask their questions while others declare.
    for (let round = 0; round < 8; round++) {
      await deleteTopics(partitionQueues);
      const checks = Array.from({ length: 8 }, (_, i) =>
        sleep(i * (2 + round)).then(() => checkPartitionCount(args, 3)),
      );
      const results = await Promise.allSettled(checks);
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
      assert.deepEqual(refused, [], `round ${round}`);
      const queues = await checkQueues(partitionQueues);
      assert.ok(
        [...queues.values()].every((q) => q !== undefined),
        'every partition queue declared',
      );
    }
    // As processes, the way compose starts a pipeline: model and the three metrics at the same time.
    await deleteTopics(partitionQueues);
    const parts = ['--partitions', '3'];
    const logDir = join(dir, 'together');
    procs.start('modelT', { command: 'model', args: [...amqp, ...parts] });
    for (let p = 0; p < 3; p++)
      procs.start(`metricT${p}`, {
        command: 'metric',
        args: [...amqp, ...parts, '--partition', String(p), '--log-dir', logDir, '--no-watch'],
      });
    await Promise.all([0, 1, 2].map((p) => procs.waitForOutput(`metricT${p}`, /owns partition/, 30_000)));
    for (const name of ['modelT', 'metricT0', 'metricT1', 'metricT2']) {
      assert.equal(procs.run(name).exit, undefined, `${name} still runs`);
      await procs.stop(name);
    }
    await deleteTopics(partitionQueues);
  });
});
