/**
 * A run of the pipeline with the metric partitioned by record id (docs/partitions.md): features and model with
 * `--partitions N`, one metric process per partition (`metric0`, `metric1`, …) writing `metric_log.<p>.csv` in
 * the run's folder. The books are balanced per partition: every id of partition p once in the log of p, and
 * nowhere else. The partition topics, their dead letters and the JetStream lease bucket are deleted before and
 * after, since the rig's own reset knows only the unpartitioned topics.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect } from 'nats';
import { partitionOf, partitionTopics } from '../../src/core/partitions.js';
import { FEATURES, Y_PRED, Y_TRUE, type Topic } from '../../src/core/topics.js';
import { NATS_DEFAULTS } from '../../src/transports/nats/index.js';
import { LEASE_BUCKET } from '../../src/transports/nats/partitionLease.js';
import { deleteTopics } from '../../harness/amqpBroker.js';
import { deleteTopicStreams } from '../../harness/natsServer.js';
import { until } from '../../harness/poll.js';
import { checkQueues } from '../../harness/realQueues.js';
import { rowCount } from './audit.js';
import { readLedger, type Ledger } from './ledger.js';
import type { Pipeline } from './pipeline.js';
import { streamCounts } from './natsStreams.js';
import type { Rig } from './rig.js';

/** The metric process of partition `p`. */
export const metricName = (p: number): string => `metric${p}`;

/** The partition topics of `count` partitions (`y_true.0`, …, `y_pred.0`, …). */
const topicsOf = (count: number): Topic[] => [Y_TRUE, Y_PRED].flatMap((t) => partitionTopics(t, count));

/** Deletes the partition topics, their dead letters and (JetStream) the lease bucket. */
export async function resetPartitions(rig: Rig, count: number): Promise<void> {
  const names = topicsOf(count).map((t) => t.name);
  if (rig.natsServer === undefined) return deleteTopics(names);
  await deleteTopicStreams(rig.natsServer.url, NATS_DEFAULTS.streamPrefix, names);
  const nc = await connect({ servers: rig.natsServer.url });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(`KV_${LEASE_BUCKET}`).catch(() => false); // absent is fine
  } finally {
    await nc.close();
  }
}

/** The command line of the metric of partition `p`: the same at its start and at its restart. */
const metricArgs = (p: Pipeline, count: number, partition: number): string[] => [
  ...p.rig.serviceArgs,
  ...['--partitions', String(count), '--partition', String(partition), '--log-dir', p.dir],
];

/**
 * Starts model and one metric per partition, waits until each metric holds its partition's lease, then starts
 * features. The pipeline must have been created with `--partitions count` in the extra arguments of features
 * and model.
 */
export async function startPartitioned(p: Pipeline, count: number): Promise<void> {
  p.start('model');
  for (let i = 0; i < count; i++)
    p.procs.start(metricName(i), { command: 'metric', args: metricArgs(p, count, i) });
  await p.connected('model');
  for (let i = 0; i < count; i++)
    await p.procs.waitForOutput(metricName(i), new RegExp(`owns partition ${i}\\b`), 60_000);
  p.start('features');
}

export const logFile = (p: Pipeline, partition: number): string => join(p.dir, `metric_log.${partition}.csv`);

/** Rows in all the partitions' logs together. */
export async function totalRows(p: Pipeline, count: number): Promise<number> {
  const rows = await Promise.all(Array.from({ length: count }, (_, i) => rowCount(logFile(p, i))));
  return rows.reduce((a, b) => a + b, 0);
}

/** Waits until the partitions' logs hold `rows` rows between them. */
export function waitForRows(p: Pipeline, count: number, rows: number, timeoutMs: number): Promise<true> {
  return until(async () => ((await totalRows(p, count)) >= rows ? true : undefined), `${rows} rows`, {
    timeoutMs,
    intervalMs: 250,
    watch: p.procs,
  });
}

/** Messages still queued on `features` and on every partition topic, and their dead letters. */
async function backlog(p: Pipeline, count: number): Promise<{ queued: number; dead: number }> {
  const topics = [FEATURES, ...topicsOf(count)];
  const server = p.rig.natsServer;
  let queued = 0;
  if (server === undefined)
    for (const q of (await checkQueues(topics.map((t) => t.name))).values()) queued += q?.messages ?? 0;
  else
    for (const n of Object.values(
      await streamCounts(
        server.url,
        topics.map((t) => t.name),
        'queue',
      ),
    ))
      queued += n;
  let dead = 0;
  for (const t of topics) dead += (await p.rig.deadLetterReasons(t)).length;
  return { queued, dead };
}

export interface PartitionedAudit {
  /** The ledger of each partition's log, balanced against the ids of that partition. */
  readonly ledgers: readonly Ledger[];
  readonly rows: number;
  readonly deadLetters: number;
}

/**
 * Waits for the run to end, stops every service (each latest run must exit 0), and checks each partition's
 * log against the ids whose hash names that partition: none lost, none twice, none foreign (an id of another
 * partition counts as foreign), every row well-formed; nothing left queued and nothing dead-lettered.
 */
export async function auditPartitioned(p: Pipeline, count: number): Promise<PartitionedAudit> {
  const records = p.options.records;
  await waitForRows(p, count, records, 240_000);
  await p.procs.waitForExit('features', 60_000);
  assert.deepEqual(p.procs.run('features').exit, { code: 0, signal: null }, p.procs.report());
  // A copy whose ack died with the killed metric comes back only after the broker's ack wait (JetStream: 30 s)
  // and is then absorbed by id: the run is over when the queues are empty.
  await until(async () => ((await backlog(p, count)).queued === 0 ? true : undefined), 'empty queues', {
    timeoutMs: 90_000,
    intervalMs: 1_000,
    watch: p.procs,
  }).catch(() => undefined); // the assertion below says what was left
  await p.procs.stopAll();
  for (const name of ['model', ...Array.from({ length: count }, (_, i) => metricName(i))])
    assert.deepEqual(p.procs.run(name).exit, { code: 0, signal: null }, `${name} stops cleanly`);

  const left = await backlog(p, count);
  assert.equal(left.queued, 0, 'nothing left in the queues');
  assert.equal(left.dead, 0, 'nothing dead-lettered');
  const ids = p.expectedIds();
  const ledgers: Ledger[] = [];
  for (let i = 0; i < count; i++) {
    const own = ids.filter((id) => partitionOf(id, count) === i);
    const l = await readLedger(logFile(p, i), own);
    const why = `partition ${i}: ${JSON.stringify(l)}`;
    assert.ok(own.length > 0, `partition ${i} has ids of its own`);
    assert.equal(l.invalid, 0, `every row well-formed: ${why}`);
    assert.equal(l.endsWithNewline, true, `the log of partition ${i} ends with a whole row`);
    assert.equal(l.foreign, 0, `no id of another partition in its log: ${why}`);
    assert.equal(l.duplicated, 0, `no id written twice: ${why}`);
    assert.equal(l.lost, 0, `no id of the partition lost: ${why}`);
    ledgers.push(l);
  }
  const rows = ledgers.reduce((a, l) => a + l.rows, 0);
  assert.equal(rows, records, 'every id once across the logs');
  return { ledgers, rows, deadLetters: left.dead };
}
