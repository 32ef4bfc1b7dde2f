/**
 * Benchmark 4, second half: the memory of `pipeline metric` over a million records of which 10% never get a
 * prediction. The bench publishes `y_true` for every record and `y_pred` for nine in ten straight onto the broker;
 * the metric process must join the rest, dead-letter the lonely ones once their TTL passes, and keep its join
 * buffer within its cap (2 × prefetch) all along: peak RSS within the target, and RSS at the end about what it
 * was halfway (flat).
 *
 * TTL and prefetch are set small (2 s, 2,000) so the unmatched records leave the buffer quickly and the run
 * ends; the shipped defaults (60 s, 2,000) would hold up to 4,000 of them for a minute each.
 */
import { join } from 'node:path';
import { Y_TRUE } from '../src/core/topics.js';
import type { Transport } from '../src/core/transport.js';
import { createTransport } from '../src/transports/createTransport.js';
import { sleep } from '../harness/poll.js';
import { ServiceProcesses } from '../harness/serviceProcesses.js';
import { deadLetterCount, withRealTopics } from './support/brokerAdmin.js';
import type { BenchContext } from './support/context.js';
import { CsvTail } from './support/csvTail.js';
import { publishPairs } from './support/publishPairs.js';
import { Samples, skipped, type Figure } from './support/figures.js';
import { AMQP_URL, benchRunId, NATS_URL, transportArgs } from './support/launch.js';
import { MemorySampler, readProcMemory } from '../harness/procMemory.js';
import { FULL_SCALE, label, specs } from './targets.js';
import { errorMessage } from '../src/core/errors.js';

const JOIN_TTL_MS = 2_000;
const PREFETCH = 2_000;

/** Publishes the run's messages: y_true for every record, y_pred for all but every tenth. */
const publishRecords = (transport: Transport, runId: string, records: number): Promise<void> =>
  publishPairs(transport, runId, records, { unmatched: (n) => isUnmatched(n) });

/** One record in `EVERY` never gets its prediction: 10% unmatched. */
const EVERY = Math.round(1 / FULL_SCALE.metricRssUnmatched);
const isUnmatched = (n: number): boolean => n % EVERY === EVERY - 1;

interface RunFigures {
  readonly peakMiB: number;
  readonly growthMiB: number;
  readonly deadLetters: number | undefined;
  readonly unmatched: number;
}

async function oneRun(
  ctx: BenchContext,
  broker: 'amqp' | 'nats',
  records: number,
  run: number,
): Promise<RunFigures> {
  const dir = await ctx.dir(`metric-rss-${run}`);
  const procs = new ServiceProcesses(15_000);
  const memory = new MemorySampler(250);
  let halfwayMiB: number | undefined;
  const unmatched = Math.floor(records / EVERY);
  const matched = records - unmatched;
  const tail = new CsvTail(join(dir, 'metric_log.csv'));
  let transport: Transport | undefined;
  try {
    const args = [...transportArgs(broker), '--log-dir', dir, '--join-ttl', String(JOIN_TTL_MS)];
    const metric = procs.start('metric', {
      command: 'metric',
      args: [...args, '--prefetch', String(PREFETCH)],
    });
    memory.watch('metric', metric.pid);
    await procs.waitForOutput('metric', /(amqp|nats): connected/, 30_000, 'stderr');
    transport = await createTransport({
      kind: broker,
      url: broker === 'amqp' ? AMQP_URL : NATS_URL,
      natsMode: 'jetstream',
      logger: (level, message) => {
        if (level === 'warn' || level === 'error') ctx.log(`  bench publisher ${level}: ${message}`);
      },
    });
    let publishError: string | undefined;
    const publishing = publishRecords(transport, benchRunId(), records).catch((e: unknown) => {
      publishError = e instanceof Error ? e.message : JSON.stringify(e);
    });
    // Settles by itself once the tail closes, whatever happens to the run.
    const halfway = tail
      .waitForRows(Math.floor(matched / 2), { timeoutMs: 3_600_000 })
      .then(() => void (halfwayMiB = readProcMemory(metric.pid)?.rssMiB))
      .catch(() => undefined);
    const abort = (): string | undefined => {
      if (publishError !== undefined) return `publishing failed: ${publishError}`;
      return procs.unexpectedExits().length > 0 ? `metric exited\n${procs.report(15)}` : undefined;
    };
    await tail.waitForRows(matched, { timeoutMs: 60_000 + records * 2, stallMs: 60_000, abort });
    await publishing;
    if (publishError !== undefined) throw new Error(`publishing failed: ${publishError}`);
    await halfway;
    // The unmatched records leave the join when their TTL passes; the last ones need a moment after the last row.
    let deadLetters: number | undefined;
    for (let i = 0; i < 60; i++) {
      deadLetters = await deadLetterCount(broker, Y_TRUE.name);
      if (deadLetters === undefined || deadLetters >= unmatched) break;
      await sleep(500);
    }
    memory.sample();
    const end = memory.reading('metric');
    if (!end || halfwayMiB === undefined) throw new Error('the metric process could not be measured');
    return { peakMiB: end.peakMiB, growthMiB: end.rssMiB - halfwayMiB, deadLetters, unmatched };
  } finally {
    memory.stop();
    await tail.close();
    await procs.stopAll();
    await transport?.close();
  }
}

export async function metricMemory(ctx: BenchContext): Promise<Figure[]> {
  const broker = ctx.options.rssTransport;
  const records = ctx.scaled(FULL_SCALE.metricRssRecords, 1_000);
  const peakSpec = specs.metricRss(records, label(broker));
  const growthSpec = specs.metricRssGrowth();
  const why = await ctx.unreachable(broker);
  if (why !== undefined) return [skipped(peakSpec, why), skipped(growthSpec, why)];
  const samples = new Samples();
  for (let run = 1; run <= ctx.options.runs; run++) {
    try {
      const r = await withRealTopics(broker, () => oneRun(ctx, broker, records, run));
      const dl = `${r.deadLetters ?? '?'} of ${r.unmatched} unmatched dead-lettered`;
      samples.add(peakSpec, r.peakMiB, `TTL ${JOIN_TTL_MS} ms, prefetch ${PREFETCH}`);
      samples.add(growthSpec, r.growthMiB, r.deadLetters === r.unmatched ? undefined : `run ${run}: ${dl}`);
      ctx.log(
        `4 metric memory run ${run}: peak ${r.peakMiB.toFixed(1)} MiB, growth ${r.growthMiB.toFixed(1)} MiB, ${dl}`,
      );
    } catch (e) {
      const message = errorMessage(e).split('\n')[0] ?? '';
      ctx.log(`4 metric memory run ${run} failed: ${message}`);
      samples.add(peakSpec, NaN, `run ${run} failed: ${message}`);
      samples.add(growthSpec, NaN);
    }
  }
  return samples.figures();
}
