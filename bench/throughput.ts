/**
 * Benchmarks 1, 2 and the first half of 4: end-to-end records per second of each transport at --interval 0,
 * the raw broker ceiling measured in the same run (raw and pipeline alternate: raw first in odd runs, pipeline
 * first in even ones, so a drift in the machine's load hits both alike), the pipeline's message rate as a share
 * of that ceiling, and the peak RSS of every process of the end-to-end runs.
 */
import type { BenchContext } from './support/context.js';
import { withRealTopics } from './support/brokerAdmin.js';
import { failed, Samples, skipped, type Figure } from './support/figures.js';
import { pipelineMessageSizes } from './support/messageSizes.js';
import type { BenchTransport, BrokerTransport } from './support/options.js';
import { runPipeline } from './support/pipelineRun.js';
import { rawRun } from './support/rawPair.js';
import { FULL_SCALE, MESSAGES_PER_RECORD, specs } from './targets.js';
import { errorMessage } from '../src/core/errors.js';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const errorText = (e: unknown): string => errorMessage(e).split('\n')[0] ?? '';

/** The one-process pipeline's options that switch model watching off (see specs.e2eWatchOff). */
const WATCH_OFF = ['--no-watch', '--no-drift', '--timeline-file', ''];
/** The one-process pipeline's options that switch the Prometheus endpoint on (any free port). */
const METRICS_ON = ['--metrics-port', '0'];

/** The memory pipeline as it is by default, or with one thing switched, to measure what that thing costs. */
type Variant = 'default' | 'watchOff' | 'metricsOn';
const VARIANT_ARGS: Record<Variant, readonly string[]> = {
  default: [],
  watchOff: WATCH_OFF,
  metricsOn: METRICS_ON,
};
const VARIANT_NAMES: Record<Variant, string> = {
  default: '',
  watchOff: ' (watching off)',
  metricsOn: ' (metrics endpoint on)',
};

/** Generous bounds: a run slower than `minRate` is broken, not slow. */
const timeoutFor = (items: number, minRate: number): number => 60_000 + (items / minRate) * 1000;

export async function throughput(ctx: BenchContext): Promise<Figure[]> {
  const figures: Figure[] = [];
  const usable: BenchTransport[] = [];
  for (const t of ctx.options.transports) {
    const records = ctx.scaled(FULL_SCALE.e2eRecords[t], 100);
    const why = t === 'memory' ? undefined : await ctx.unreachable(t);
    if (t === 'memory' || why === undefined) usable.push(t);
    else {
      figures.push(skipped(specs.e2e(t, records), why));
      figures.push(skipped(specs.raw(t, records * MESSAGES_PER_RECORD), why));
    }
  }
  if (usable.length === 0) return figures;
  const sizes = await pipelineMessageSizes();
  const samples = new Samples();

  /**
   * `watchOff`: the memory pipeline without model watching (summary, drift, alerts, timeline); `metricsOn`: with
   * the Prometheus endpoint; each to measure its cost against the default.
   */
  const pipelineRun = async (
    t: BenchTransport,
    run: number,
    variant: Variant = 'default',
  ): Promise<number> => {
    const records = ctx.scaled(FULL_SCALE.e2eRecords[t], 100);
    const spec =
      variant === 'watchOff'
        ? specs.e2eWatchOff(records)
        : variant === 'metricsOn'
          ? specs.e2eMetricsOn(records)
          : specs.e2e(t, records);
    const suffix = { default: '', watchOff: '-watch-off', metricsOn: '-metrics-on' }[variant];
    const go = async (): Promise<number> => {
      const r = await runPipeline({
        transport: t,
        count: records,
        intervalMs: 0,
        ...(variant === 'default' ? {} : { cliArgs: [...VARIANT_ARGS[variant]] }),
        dir: await ctx.dir(`e2e-${t}-${run}${suffix}`),
        timeoutMs: timeoutFor(records, t === 'memory' ? 2_000 : 300),
        stallMs: 60_000,
      });
      samples.add(spec, r.recordsPerS);
      const own =
        r.cliRecordsPerS === undefined ? '' : ` (the CLI's own summary: ${int(r.cliRecordsPerS)}/s)`;
      ctx.log(`1 end-to-end ${t}${VARIANT_NAMES[variant]} run ${run}: ${int(r.recordsPerS)} records/s${own}`);
      if (variant !== 'default') return r.recordsPerS;
      if (r.cliRecordsPerS !== undefined) samples.add(specs.e2eCli(records), r.cliRecordsPerS);
      for (const [name, mib] of Object.entries(r.peakRssMiB)) samples.add(specs.rss(t, name), mib);
      return r.recordsPerS;
    };
    try {
      return await (t === 'memory' ? go() : withRealTopics(t, go));
    } catch (e) {
      ctx.log(`1 end-to-end ${t} run ${run} failed: ${errorText(e)}`);
      samples.add(spec, NaN, `run ${run} failed: ${errorText(e)}`);
      return NaN;
    }
  };

  const rawCeiling = async (t: BrokerTransport, run: number): Promise<number> => {
    const messages = ctx.scaled(FULL_SCALE.e2eRecords[t], 100) * MESSAGES_PER_RECORD;
    const spec = specs.raw(t, messages);
    try {
      const r = await rawRun(t, messages, sizes, timeoutFor(messages, 1_000));
      const lost = r.lost > 0 ? `; ${int(r.lost)} of ${int(messages)} messages lost (at-most-once)` : '';
      ctx.log(`2 raw ${t} run ${run}: ${int(r.messagesPerS)} messages/s${lost}`);
      samples.add(spec, r.messagesPerS, lost === '' ? undefined : `run ${run}${lost}`);
      return r.messagesPerS;
    } catch (e) {
      ctx.log(`2 raw ${t} run ${run} failed: ${errorText(e)}`);
      samples.add(spec, NaN, `run ${run} failed: ${errorText(e)}`);
      return NaN;
    }
  };

  for (let run = 1; run <= ctx.options.runs; run++) {
    for (const t of usable) {
      if (t === 'memory') {
        // Alternating which goes first, so a drift in the machine's load hits both alike.
        const odd = run % 2 === 1;
        const watchOffBefore = odd ? await pipelineRun(t, run, 'watchOff') : NaN;
        const metricsOnBefore = odd ? NaN : await pipelineRun(t, run, 'metricsOn');
        const on = await pipelineRun(t, run);
        const watchOff = odd ? watchOffBefore : await pipelineRun(t, run, 'watchOff');
        const metricsOn = odd ? await pipelineRun(t, run, 'metricsOn') : metricsOnBefore;
        samples.add(specs.watchCost(), on / watchOff);
        samples.add(specs.metricsCost(), metricsOn / on);
        continue;
      }
      let pipeline: number;
      let raw: number;
      if (run % 2 === 1) {
        raw = await rawCeiling(t, run);
        pipeline = await pipelineRun(t, run);
      } else {
        pipeline = await pipelineRun(t, run);
        raw = await rawCeiling(t, run);
      }
      samples.add(specs.ratio(t), (pipeline * MESSAGES_PER_RECORD) / raw);
    }
  }
  return [...figures, ...samples.figures().map((f) => (f.id.startsWith('ratio.') ? ratioNote(f) : f))];
}

/** A ratio is only as good as both of its runs: say so when it could not be formed. */
function ratioNote(f: Figure): Figure {
  return f.status === 'failed' ? failed(f, 'no run measured both the pipeline and the raw ceiling') : f;
}
