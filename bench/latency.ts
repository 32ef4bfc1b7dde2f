/**
 * Benchmark 3: latency from a record's publish to its CSV row, at a steady offered load of 1,000 records/s for
 * 30 s, per transport.
 *
 * How a record's publish time is known without a hook in the services: features paces record n at
 * `t0 + n × interval` (against its start time, so delays never accumulate), and the bench sees each row appear
 * by following the log with inotify. Latency = seen − (t0 + n × interval): measured from when a record was *due*,
 * not from when it was sent, so it includes any delay of the producer itself (no coordinated omission).
 * t0 is exact when features logs it (`pacing started at <epoch ms>`); otherwise it is the timestamp of
 * features' start log line, which comes a few milliseconds *before* pacing starts, so latencies are overstated
 * by that gap, never understated. `gapMs` bounds it: t0 can be no later than the earliest row allows. A row is
 * seen a fraction of a millisecond after it is written. The first second (or 10% of a short run) is warm-up
 * (connections, JIT) and left out.
 */
import type { BenchContext } from './support/context.js';
import { withRealTopics } from './support/brokerAdmin.js';
import { quantile, Samples, skipped, type Figure } from './support/figures.js';
import { sequenceOf } from './support/launch.js';
import type { BenchTransport } from './support/options.js';
import { runPipeline } from './support/pipelineRun.js';
import { FULL_SCALE, specs } from './targets.js';
import { errorMessage } from '../src/core/errors.js';

const QUANTILES = ['p50', 'p99', 'max'] as const;

const INEXACT_T0 =
  "t0 from features' start log line, which precedes pacing by a few ms: latencies overstated by up to that";

export interface LatencySummary {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly measured: number;
  /** How much earlier t0 is than the latest pacing start the rows allow: an upper bound on its error. */
  readonly gapMs: number;
}

/**
 * Latencies of the rows seen, given the pacing start `t0` (wall clock, ms) and interval; records below `warmup`
 * are left out. Pure.
 */
export function latencies(
  seenAt: Float64Array,
  t0: number | undefined,
  intervalMs: number,
  warmup: number,
): LatencySummary {
  let earliest = Infinity;
  for (let n = 0; n < seenAt.length; n++) {
    const at = seenAt[n] as number;
    if (at > 0) earliest = Math.min(earliest, at - n * intervalMs);
  }
  // No row can be seen before it was due: t0 is at most the earliest (seen − due offset).
  const start = t0 === undefined ? earliest : Math.min(t0, earliest);
  const values: number[] = [];
  for (let n = warmup; n < seenAt.length; n++) {
    const at = seenAt[n] as number;
    if (at > 0) values.push(at - (start + n * intervalMs));
  }
  return {
    p50: quantile(values, 0.5),
    p99: quantile(values, 0.99),
    max: values.reduce((m, v) => Math.max(m, v), -Infinity),
    measured: values.length,
    gapMs: earliest - start,
  };
}

export async function latency(ctx: BenchContext): Promise<Figure[]> {
  const intervalMs = 1000 / FULL_SCALE.latencyRecordsPerS;
  const count = ctx.scaled(FULL_SCALE.latencyRecordsPerS * FULL_SCALE.latencySeconds, 200);
  const warmup = Math.min(FULL_SCALE.latencyRecordsPerS, Math.floor(count / 10));
  const figures: Figure[] = [];
  const usable: BenchTransport[] = [];
  for (const t of ctx.options.transports) {
    const why = t === 'memory' ? undefined : await ctx.unreachable(t);
    if (why === undefined) usable.push(t);
    else for (const q of QUANTILES) figures.push(skipped(specs.latency(t, q), why));
  }
  const samples = new Samples();
  for (let run = 1; run <= ctx.options.runs; run++) {
    for (const t of usable) {
      const seenAt = new Float64Array(count);
      let exact = false;
      const go = async (): Promise<LatencySummary> => {
        const r = await runPipeline({
          transport: t,
          count,
          intervalMs,
          dir: await ctx.dir(`latency-${t}-${run}`),
          timeoutMs: 120_000 + count * intervalMs * 2,
          stallMs: 30_000,
          onRow: (line, at) => {
            const n = sequenceOf(line.slice(0, line.indexOf(',')));
            if (n >= 0 && n < count && seenAt[n] === 0) seenAt[n] = at;
          },
        });
        exact = r.pacingStart?.exact ?? false;
        return latencies(seenAt, r.pacingStart?.atMs, intervalMs, warmup);
      };
      try {
        const s = await (t === 'memory' ? go() : withRealTopics(t, go));
        const note = exact ? undefined : INEXACT_T0;
        for (const q of QUANTILES) samples.add(specs.latency(t, q), s[q], note);
        ctx.log(
          `3 latency ${t} run ${run}: p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, max ` +
            `${s.max.toFixed(1)} ms over ${s.measured} records; t0 ${exact ? 'exact' : 'from the start log line'}, ` +
            `at most ${s.gapMs.toFixed(2)} ms early`,
        );
      } catch (e) {
        const why = errorMessage(e).split('\n')[0] ?? '';
        ctx.log(`3 latency ${t} run ${run} failed: ${why}`);
        for (const q of QUANTILES) samples.add(specs.latency(t, q), NaN, `run ${run} failed: ${why}`);
      }
    }
  }
  return [...figures, ...samples.figures()];
}
