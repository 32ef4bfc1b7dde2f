/**
 * The metric partitioned by record id over NATS JetStream: the one-process pipeline with two partitions logs
 * every id once, in the log of its partition; a second metric of a partition waits for the lease and takes over
 * from one killed with SIGKILL; a service whose --partitions differs from the running pipeline's, more or fewer,
 * stops with exit 2, and services of one count started at once never stop each other. `features` is a real
 * stream of the wire contract, so the test
 * takes the real topics' lock and resets them; the partition streams it creates are deleted before and after.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { partitionOf, partitionTopics } from '../../src/core/partitions.js';
import { recordId } from '../../src/core/recordIds.js';
import { Y_PRED, Y_TRUE } from '../../src/core/topics.js';
import { streamName } from '../../src/transports/nats/names.js';
import { NATS_DEFAULTS } from '../../src/transports/nats/options.js';
import { LEASE_BUCKET } from '../../src/transports/nats/partitionLease.js';
import { NATS_URL, brokerReachable } from '../../harness/brokers.js';
import { runCli } from '../../harness/cli.js';
import { sleep, until } from '../../harness/poll.js';
import { ServiceProcesses } from '../../harness/serviceProcesses.js';
import { lockRealQueues, resetRealStreams } from '../../harness/realQueues.js';
import { checkPartitionCount } from '../../src/cli/partitionCheck.js';

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

/** The ids of a metric log's rows (header and a partial last line left out). */
const idsIn = async (file: string): Promise<string[]> =>
  (await readFile(file, 'utf8').catch(() => ''))
    .split('\n')
    .slice(1, -1)
    .map((l) => l.split(',')[0] as string);

describe('metric partitions over NATS JetStream', () => {
  const procs = new ServiceProcesses();
  let skip: string | false = false;
  let unlock: (() => Promise<void>) | undefined;
  let dir = '';

  before(async () => {
    skip = await brokerReachable('nats', NATS_URL);
    dir = await mkdtemp(join(tmpdir(), 'nats-partitions-'));
    if (skip) return;
    unlock = await lockRealQueues();
    await resetRealStreams();
    await deletePartitionStreams();
  });

  after(async () => {
    await procs.stopAll();
    try {
      if (unlock) {
        await resetRealStreams();
        await deletePartitionStreams();
      }
    } finally {
      await unlock?.();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it(
    'the one-process pipeline with two partitions logs every id once, in its partition',
    { timeout: 90_000 },
    async (t) => {
      if (skip) return t.skip(skip);
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
          dir,
          '--no-dashboard',
        ],
        { timeoutMs: 80_000 },
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const seen = new Set<string>();
      for (let p = 0; p < PARTITIONS; p++) {
        const ids = (await readFile(join(dir, `metric_log.${p}.csv`), 'utf8'))
          .split('\n')
          .slice(1, -1)
          .map((l) => l.split(',')[0] as string);
        for (const id of ids) {
          assert.equal(partitionOf(id, PARTITIONS), p, `${id} in the log of partition ${p}`);
          assert.ok(!seen.has(id), `${id} logged twice`);
          seen.add(id);
        }
      }
      assert.equal(seen.size, RECORDS);
    },
  );

  it(
    'a second metric of a partition waits, then takes over from one killed with SIGKILL',
    { timeout: 150_000 },
    async (t) => {
      if (skip) return t.skip(skip);
      await deletePartitionStreams();
      const nats = ['--transport=nats', '--url', NATS_URL, '--partitions', String(PARTITIONS)];
      const logDir = join(dir, 'takeover');
      const metric0 = [...nats, '--partition', '0', '--log-dir', logDir, '--no-watch'];
      const runId = 'n2takeover';
      const records = 1500;
      procs.start('model', { command: 'model', args: nats });
      procs.start('first', { command: 'metric', args: metric0 });
      await procs.waitForOutput('first', /owns partition 0/, 30_000);
      procs.start('second', { command: 'metric', args: metric0 });
      await procs.waitForOutput('second', /waiting for the lease/, 30_000);
      procs.start('features', {
        command: 'features',
        args: [
          ...nats,
          '--count',
          String(records),
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
      // The dead holder's key expires (10 s) before the second one gets it.
      await procs.waitForOutput('second', /owns partition 0/, 40_000);
      const expected = Array.from({ length: records }, (_, i) => recordId(runId, i)).filter(
        (id) => partitionOf(id, PARTITIONS) === 0,
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

  it('a service started with fewer partitions than the server has streams for stops with exit 2', async (t) => {
    if (skip) return t.skip(skip);
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
    if (skip) return t.skip(skip);
    await deletePartitionStreams();
    const nats = ['--transport=nats', '--url', NATS_URL];
    // A running pipeline of two partitions: its model creates partition 1's streams, then partition 0's.
    procs.start('model2', { command: 'model', args: [...nats, '--partitions', '2'] });
    await until(async () => (await withStreams(['y_pred.0'])).length === 1, 'the streams of two partitions', {
      timeoutMs: 30_000,
      intervalMs: 100,
      watch: procs,
    });
    const logDir = join(dir, 'fewer');
    for (const args of [
      ['model', ...nats, '--partitions', '3'],
      ['metric', ...nats, '--partitions', '3', '--partition', '2', '--log-dir', logDir],
      ['features', ...nats, '--partitions', '3', '--count', '1', '--log-dir', logDir],
    ]) {
      const r = await runCli(args, { timeoutMs: 30_000 });
      assert.equal(r.code, 2, `${args[0]} exits 2\n${r.stdout}${r.stderr}`);
      assert.match(
        r.stderr,
        /--partitions 3, but the broker has y_true\.0 and not y_true\.2: a pipeline with fewer partitions uses it\. Start every service with the same --partitions/,
      );
    }
    await procs.stop('model2');
    assert.deepEqual(await withStreams(['y_true.2', 'y_pred.2']), [], 'a refused service creates nothing');
    await deletePartitionStreams();
  });

  it('services of one count started at once never refuse each other', { timeout: 120_000 }, async (t) => {
    if (skip) return t.skip(skip);
    const args = {
      transport: 'nats',
      url: NATS_URL,
      natsMode: 'jetstream',
      replicas: 1,
      legacyQueues: false,
      queueType: 'classic',
    } as const;
    const topics = [Y_TRUE, Y_PRED].flatMap((tp) => partitionTopics(tp, 3)).map((tp) => tp.name);
    // In the process, many at once on connections of their own, each a few ms after the one before, so that
    // some ask their questions while others declare.
    for (let round = 0; round < 8; round++) {
      await deletePartitionStreams();
      const checks = Array.from({ length: 8 }, (_, i) =>
        sleep(i * (2 + round)).then(() => checkPartitionCount(args, 3)),
      );
      const refused = (await Promise.allSettled(checks)).flatMap((r) =>
        r.status === 'rejected' ? [String(r.reason)] : [],
      );
      assert.deepEqual(refused, [], `round ${round}`);
      assert.deepEqual(
        (await withStreams(topics)).sort(),
        [...topics].sort(),
        'every partition stream created',
      );
    }
    // As processes, the way compose starts a pipeline: model and the three metrics at the same time.
    await deletePartitionStreams();
    const nats = ['--transport=nats', '--url', NATS_URL, '--partitions', '3'];
    const logDir = join(dir, 'together');
    procs.start('modelT', { command: 'model', args: nats });
    for (let p = 0; p < 3; p++)
      procs.start(`metricT${p}`, {
        command: 'metric',
        args: [...nats, '--partition', String(p), '--log-dir', logDir, '--no-watch'],
      });
    await Promise.all([0, 1, 2].map((p) => procs.waitForOutput(`metricT${p}`, /owns partition/, 30_000)));
    for (const name of ['modelT', 'metricT0', 'metricT1', 'metricT2']) {
      assert.equal(procs.run(name).exit, undefined, `${name} still runs`);
      await procs.stop(name);
    }
    await deletePartitionStreams();
  });
});
