/**
 * The steps the partition end-to-end suites (test/e2e/amqpPartitions.test.ts, test/e2e/natsPartitions.test.ts)
 * take on either broker: the CLI behaves the same over RabbitMQ and NATS, so only the transport's arguments,
 * how a suite cleans the partition queues or streams, and how it sees whether they exist differ; those come in
 * as parameters. Each step asserts what the suites assert.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { partitionOf } from '../../src/core/partitions.js';
import { recordId } from '../../src/core/recordIds.js';
import { checkPartitionCount } from '../../src/cli/partitionCheck.js';
import { runCli } from '../../harness/cli.js';
import { sleep, until } from '../../harness/poll.js';
import type { ServiceProcesses } from '../../harness/serviceProcesses.js';

/** What a service started with more partitions than the running pipeline prints before it exits 2. */
export const FEWER_PARTITIONS_RUNNING =
  /--partitions 3, but the broker has y_true\.0 and not y_true\.2: a pipeline with fewer partitions uses it\. Start every service with the same --partitions/;

/** The ids of a metric log's rows (header and a partial last line left out); none while the file is missing. */
export const idsIn = async (file: string): Promise<string[]> =>
  (await readFile(file, 'utf8').catch(() => ''))
    .split('\n')
    .slice(1, -1)
    .map((l) => l.split(',')[0] as string);

/**
 * Asserts that every id of the partition logs `files` (index = partition) is in the log of its partition, and
 * only once; gives the ids seen, for the caller to compare with what was sent.
 */
export async function assertIdsInTheirPartitions(
  files: readonly string[],
  partitions: number,
  diagnostic?: (message: string) => void,
): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const [p, file] of files.entries()) {
    const ids = await idsIn(file);
    diagnostic?.(`partition ${p}: ${ids.length} rows`);
    for (const id of ids) {
      assert.equal(partitionOf(id, partitions), p, `${id} is in the log of partition ${p}`);
      assert.ok(!seen.has(id), `${id} logged twice`);
      seen.add(id);
    }
  }
  return seen;
}

/** A `features` process that sends `records` records of run `runId` and exits by itself. */
export function startFeatures(
  procs: ServiceProcesses,
  name: string,
  transport: readonly string[],
  run: { records: number; interval: string; runId: string; logDir: string },
): void {
  procs.start(name, {
    command: 'features',
    args: [
      ...transport,
      '--count',
      String(run.records),
      '--interval',
      run.interval,
      '--run-id',
      run.runId,
      '--log-dir',
      run.logDir,
    ],
    exitsByItself: true,
  });
}

export interface TakeoverRun {
  /** The transport's arguments, `--partitions` included. */
  transport: readonly string[];
  partitions: number;
  records: number;
  runId: string;
  logDir: string;
  /** How long the second metric may take to own partition 0 once the first is killed (NATS waits for the
   * dead holder's lease key to expire). */
  takeoverMs: number;
}

/**
 * Two metrics of partition 0: the second waits for the lease while the first logs, then takes over when the first
 * is killed with SIGKILL; asserts the log of partition 0 holds each of its ids exactly once.
 */
export async function takeOverFromKilledMetric(
  procs: ServiceProcesses,
  t: TestContext,
  run: TakeoverRun,
): Promise<void> {
  const metric0 = [...run.transport, '--partition', '0', '--log-dir', run.logDir, '--no-watch'];
  procs.start('model', { command: 'model', args: [...run.transport] });
  procs.start('first', { command: 'metric', args: metric0 });
  await procs.waitForOutput('first', /owns partition 0/, 30_000);
  procs.start('second', { command: 'metric', args: metric0 });
  await procs.waitForOutput('second', /waiting for the lease/, 30_000);
  startFeatures(procs, 'features', run.transport, { ...run, interval: '3ms' });
  const file = join(run.logDir, 'metric_log.0.csv');
  await until(async () => (await idsIn(file)).length >= 100, '100 rows by the first metric', {
    timeoutMs: 60_000,
    intervalMs: 100,
    watch: procs,
  });
  assert.doesNotMatch(procs.run('second').stdout + procs.run('second').stderr, /owns partition/);
  await procs.kill('first');
  const byFirst = (await idsIn(file)).length;
  await procs.waitForOutput('second', /owns partition 0/, run.takeoverMs);
  const expected = Array.from({ length: run.records }, (_, i) => recordId(run.runId, i)).filter(
    (id) => partitionOf(id, run.partitions) === 0,
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
}

/**
 * A running pipeline of two partitions (its model, once `twoPartitionsUp` sees partition 0's queues or streams),
 * then model, metric and features with `--partitions 3`: each must exit 2 saying a pipeline with fewer
 * partitions uses the broker. The model is stopped before returning, so the caller can check what was left.
 */
export async function refusedBesideFewerPartitions(
  procs: ServiceProcesses,
  transport: readonly string[],
  logDir: string,
  twoPartitionsUp: { what: string; ready: () => Promise<unknown> },
): Promise<void> {
  procs.start('model2', { command: 'model', args: [...transport, '--partitions', '2'] });
  await until(twoPartitionsUp.ready, twoPartitionsUp.what, {
    timeoutMs: 30_000,
    intervalMs: 100,
    watch: procs,
  });
  for (const args of [
    ['model', ...transport, '--partitions', '3'],
    ['metric', ...transport, '--partitions', '3', '--partition', '2', '--log-dir', logDir],
    ['features', ...transport, '--partitions', '3', '--count', '1', '--log-dir', logDir],
  ]) {
    const r = await runCli(args, { timeoutMs: 30_000 });
    assert.equal(r.code, 2, `${args[0]} exits 2\n${r.stdout}${r.stderr}`);
    assert.match(r.stderr, FEWER_PARTITIONS_RUNNING);
  }
  await procs.stop('model2');
}

export interface TogetherRun {
  /** The partition check's arguments for the broker under test. */
  check: Parameters<typeof checkPartitionCount>[0];
  /** The transport's arguments, without `--partitions`. */
  transport: readonly string[];
  logDir: string;
  /** Removes every partition queue or stream, so that each round declares them afresh. */
  clean: () => Promise<void>;
  /** Asserts that every partition queue or stream of three partitions exists. */
  assertAllDeclared: () => Promise<void>;
}

/**
 * Services of three partitions started at once never refuse each other: first eight partition checks at a time in
 * this process, on connections of their own, each a few ms after the one before, so that some ask their questions
 * while others declare (eight rounds); then as processes, the way compose starts a pipeline, model and the three
 * metrics at the same time, all still running once each owns its partition.
 */
export async function startedTogetherNeverRefuse(procs: ServiceProcesses, run: TogetherRun): Promise<void> {
  for (let round = 0; round < 8; round++) {
    await run.clean();
    const checks = Array.from({ length: 8 }, (_, i) =>
      sleep(i * (2 + round)).then(() => checkPartitionCount(run.check, 3)),
    );
    const refused = (await Promise.allSettled(checks)).flatMap((r) =>
      r.status === 'rejected' ? [String(r.reason)] : [],
    );
    assert.deepEqual(refused, [], `round ${round}`);
    await run.assertAllDeclared();
  }
  await run.clean();
  const transport = [...run.transport, '--partitions', '3'];
  procs.start('modelT', { command: 'model', args: transport });
  for (let p = 0; p < 3; p++)
    procs.start(`metricT${p}`, {
      command: 'metric',
      args: [...transport, '--partition', String(p), '--log-dir', run.logDir, '--no-watch'],
    });
  await Promise.all([0, 1, 2].map((p) => procs.waitForOutput(`metricT${p}`, /owns partition/, 30_000)));
  for (const name of ['modelT', 'metricT0', 'metricT1', 'metricT2']) {
    assert.equal(procs.run(name).exit, undefined, `${name} still runs`);
    await procs.stop(name);
  }
  await run.clean();
}
