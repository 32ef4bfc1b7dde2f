/**
 * Benchmark 7: the metric stage alone, one metric (`--partitions 1`) against three (`--partitions 3`, one process
 * per partition), on JetStream and on core NATS. The bench publishes `y_true` and `y_pred` of every record
 * straight onto the broker, on the topics the features and model services would use for that many partitions,
 * and times the metric processes joining and logging them: rows/s from the first row seen in any partition's log
 * to the last. It also reads each metric process's CPU time from /proc, so that the CPU a record costs a metric
 * is known apart from what the rest of the machine did.
 *
 * - JetStream keeps what is published: every message is published before the metrics start, so the publisher,
 *   which would otherwise share the two cores and bound the rate, is out of the timing.
 * - Core NATS keeps nothing: the metrics start and subscribe first, then the bench publishes while they consume.
 *
 * Partition topics are not among the real topics `withRealTopics` clears, so their streams (and the lease bucket
 * a partitioned JetStream metric creates) are deleted here before and after each run.
 */
import { join } from 'node:path';
import { connect } from 'nats';
import { partitionOf, partitionTopic, metricLogName } from '../src/core/partitions.js';
import { Y_PRED, Y_TRUE } from '../src/core/topics.js';
import type { Transport } from '../src/core/transport.js';
import { createTransport } from '../src/transports/createTransport.js';
import { NATS_DEFAULTS } from '../src/transports/nats/index.js';
import { streamName } from '../src/transports/nats/names.js';
import { LEASE_BUCKET } from '../src/transports/nats/partitionLease.js';
import { sleep } from '../harness/poll.js';
import { readProcCpuSeconds } from '../harness/procMemory.js';
import { ServiceProcesses } from '../harness/serviceProcesses.js';
import { withRealTopics } from './support/brokerAdmin.js';
import type { BenchContext } from './support/context.js';
import { CsvTail } from './support/csvTail.js';
import { publishPairs } from './support/publishPairs.js';
import { Samples, skipped, type Figure } from './support/figures.js';
import { benchRunId, NATS_URL, transportArgs } from './support/launch.js';
import { FULL_SCALE, specs } from './targets.js';
import { errorMessage } from '../src/core/errors.js';

export type PartitionTransport = 'nats' | 'nats-core';
const PARTITION_COUNTS = [1, 3] as const;
/** Core NATS: the subscriptions are made just after the log is opened; this leaves them time to reach the server. */
const CORE_SUBSCRIBE_GRACE_MS = 1_500;

/** y_true and y_pred of every record, each on the topics of its record's partition. */
const publishRecords = (transport: Transport, records: number, partitions: number): Promise<void> =>
  publishPairs(transport, benchRunId(), records, {
    yTrue: (id) => partitionTopic(Y_TRUE, partitionOf(id, partitions), partitions),
    yPred: (id) => partitionTopic(Y_PRED, partitionOf(id, partitions), partitions),
  });

/** Deletes the partition topics' streams, and the lease bucket unless it was there before the benchmark. */
async function deletePartitionStreams(keepLeaseBucket: boolean): Promise<void> {
  const nc = await connect({ servers: NATS_URL, name: 'rx-ml-pipeline-bench' });
  try {
    const jsm = await nc.jetstreamManager();
    const names: string[] = [];
    for (const topic of [Y_TRUE, Y_PRED])
      for (let p = 0; p <= Math.max(...PARTITION_COUNTS); p++)
        for (const kind of ['queue', 'deadLetter'] as const)
          names.push(streamName(NATS_DEFAULTS.streamPrefix, `${topic.name}.${p}`, kind));
    if (!keepLeaseBucket) names.push(`KV_${LEASE_BUCKET}`);
    for (const name of names) await jsm.streams.delete(name).catch(() => undefined);
  } finally {
    await nc.close();
  }
}

async function leaseBucketExists(): Promise<boolean> {
  const nc = await connect({ servers: NATS_URL, name: 'rx-ml-pipeline-bench' });
  try {
    const jsm = await nc.jetstreamManager();
    return await jsm.streams.info(`KV_${LEASE_BUCKET}`).then(
      () => true,
      () => false,
    );
  } finally {
    await nc.close();
  }
}

interface RunFigures {
  readonly recordsPerS: number;
  /** CPU of all the metric processes, from their ready line to their last row, per record. */
  readonly cpuUsPerRecord: number;
}

async function oneRun(
  ctx: BenchContext,
  t: PartitionTransport,
  partitions: number,
  records: number,
  run: number,
): Promise<RunFigures> {
  const dir = await ctx.dir(`partitions-${t}-${partitions}-${run}`);
  const procs = new ServiceProcesses(15_000);
  const tails = Array.from(
    { length: partitions },
    (_, p) => new CsvTail(join(dir, metricLogName(p, partitions))),
  );
  let transport: Transport | undefined;
  try {
    transport = await createTransport({
      kind: 'nats',
      url: NATS_URL,
      natsMode: t === 'nats' ? 'jetstream' : 'core',
      logger: (level, message) => {
        if (level === 'warn' || level === 'error') ctx.log(`  bench publisher ${level}: ${message}`);
      },
    });
    if (t === 'nats') await publishRecords(transport, records, partitions);
    const base = [...transportArgs(t), '--log-dir', dir, '--partitions', String(partitions)];
    const pids: number[] = [];
    for (let p = 0; p < partitions; p++) {
      const args = partitions > 1 ? [...base, '--partition', String(p)] : base;
      pids.push(procs.start(`metric-${p}`, { command: 'metric', args }).pid);
    }
    // Logged once connected and (partitioned JetStream) holding its lease, just before the metric consumes.
    for (let p = 0; p < partitions; p++)
      await procs.waitForOutput(`metric-${p}`, /metric: appending to/, 30_000, 'stderr');
    const cpuAt = (): number => pids.reduce((sum, pid) => sum + (readProcCpuSeconds(pid) ?? NaN), 0);
    let cpuStart: number;
    let publishing: Promise<void> = Promise.resolve();
    let publishError: string | undefined;
    if (t === 'nats-core') {
      await sleep(CORE_SUBSCRIBE_GRACE_MS);
      cpuStart = cpuAt();
      publishing = publishRecords(transport, records, partitions).catch((e: unknown) => {
        publishError = errorMessage(e);
      });
    } else cpuStart = cpuAt();
    const abort = (): string | undefined => {
      if (publishError !== undefined) return `publishing failed: ${publishError}`;
      return procs.unexpectedExits().length > 0 ? `a metric exited\n${procs.report(15)}` : undefined;
    };
    const rowsSeen = (): number => tails.reduce((sum, tail) => sum + tail.rows, 0);
    // Each tail waits for its share; the run is done when their sum is every record.
    const deadline = Date.now() + 120_000 + records * 2;
    while (rowsSeen() < records) {
      const why = abort();
      if (why !== undefined) throw new Error(why);
      if (Date.now() > deadline) throw new Error(`${rowsSeen()} of ${records} rows after the deadline`);
      await sleep(20);
    }
    const cpuEnd = cpuAt();
    await publishing;
    const first = Math.min(...tails.map((tail) => tail.first?.atMs ?? Infinity));
    const last = Math.max(...tails.map((tail) => tail.last?.atMs ?? -Infinity));
    return {
      recordsPerS: records / ((last - first) / 1000),
      cpuUsPerRecord: ((cpuEnd - cpuStart) * 1e6) / records,
    };
  } finally {
    await Promise.all(tails.map((tail) => tail.close()));
    await procs.stopAll();
    await transport?.close();
  }
}

export async function partitionsBench(ctx: BenchContext): Promise<Figure[]> {
  const records = ctx.scaled(FULL_SCALE.partitionRecords, 300);
  const transports = (['nats-core', 'nats'] as const).filter((t) => ctx.options.transports.includes(t));
  const samples = new Samples();
  const figures: Figure[] = [];
  const why = await ctx.unreachable('nats');
  for (const t of transports) {
    const rateSpecs = PARTITION_COUNTS.map((n) => specs.partitionRate(t, n, records));
    const cpuSpecs = PARTITION_COUNTS.map((n) => specs.partitionCpu(t, n));
    if (why !== undefined) {
      figures.push(...[...rateSpecs, ...cpuSpecs].map((s) => skipped(s, why)));
      continue;
    }
    const keepLeaseBucket = await leaseBucketExists();
    for (let run = 1; run <= ctx.options.runs; run++) {
      // Alternate which goes first, so that a machine warming up or cooling down favours neither.
      const order = run % 2 === 1 ? [0, 1] : [1, 0];
      for (const i of order) {
        const n = PARTITION_COUNTS[i] as number;
        const [rateSpec, cpuSpec] = [rateSpecs[i], cpuSpecs[i]];
        if (!rateSpec || !cpuSpec) continue;
        try {
          await deletePartitionStreams(keepLeaseBucket);
          const r = await withRealTopics(t, () => oneRun(ctx, t, n, records, run)).finally(() =>
            deletePartitionStreams(keepLeaseBucket),
          );
          samples.add(rateSpec, r.recordsPerS);
          samples.add(cpuSpec, r.cpuUsPerRecord);
          ctx.log(
            `7 partitions ${t} run ${run}, ${n} partition(s): ${Math.round(r.recordsPerS)} records/s, ` +
              `${r.cpuUsPerRecord.toFixed(1)} µs metric CPU per record`,
          );
        } catch (e) {
          const message = errorMessage(e).split('\n')[0] ?? '';
          ctx.log(`7 partitions ${t} run ${run}, ${n} partition(s) failed: ${message}`);
          samples.add(rateSpec, NaN, `run ${run} failed: ${message}`);
          samples.add(cpuSpec, NaN);
        }
      }
    }
  }
  return [...figures, ...samples.figures()];
}
