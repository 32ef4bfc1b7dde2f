/**
 * One run of the whole pipeline as users run it, watched from outside: the one-process `pipeline
 * --transport=memory`, or the four services `features`, `model`, `metric`, `plot` as separate processes over a
 * broker. The bench follows the metric log (a row there is a record done end to end) and samples each process's
 * memory; it never looks inside a service.
 *
 * Broker runs use the real topics: call them inside `withRealTopics` (brokerAdmin.ts).
 */
import { join } from 'node:path';
import { ServiceProcesses } from '../../harness/serviceProcesses.js';
import { CsvTail } from './csvTail.js';
import { benchRunId, cliProgram, transportArgs } from './launch.js';
import type { BenchTransport } from './options.js';
import { MemorySampler } from '../../harness/procMemory.js';
import { logLineTime } from './time.js';
import { sleep } from '../../harness/poll.js';

export interface PipelineRunSpec {
  readonly transport: BenchTransport;
  readonly count: number;
  /** Milliseconds between records (0: as fast as back-pressure allows). */
  readonly intervalMs: number;
  /** A fresh folder for the log, the PNG and the features state. */
  readonly dir: string;
  readonly timeoutMs: number;
  /** Give up when no row arrives for this long. */
  readonly stallMs: number;
  /** Called for every row as soon as it is seen (with inotify): for latency. */
  readonly onRow?: (line: string, seenAtMs: number) => void;
  /** Extra node flags of the one-process run (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
  /** Extra CLI options of the one-process run (e.g. `--plot-interval 60000`, to see what the plot costs). */
  readonly cliArgs?: readonly string[];
}

export interface PipelineRunResult {
  readonly rows: number;
  /** Records per second between the first and the last row the bench saw. */
  readonly recordsPerS: number;
  /**
   * When features started pacing records, wall clock: exact if features logs it (`pacing started at <epoch ms>`),
   * else the timestamp of its start log line, which comes a little (milliseconds) before.
   */
  readonly pacingStart: { readonly atMs: number; readonly exact: boolean } | undefined;
  /** Peak RSS of each process, MiB: `pipeline`, or `features`, `model`, `metric`, `plot`. */
  readonly peakRssMiB: Readonly<Record<string, number>>;
  /** The one-process run's own figure, from its summary line. */
  readonly cliRecordsPerS?: number;
}

const CONNECTED = /(amqp|nats|nats-core): connected/;

/**
 * An exact pacing start, should features log one, e.g. at debug level (which PIPELINE_DEBUG=1 shows; latency runs
 * set it): `features: pacing started at <epoch ms>`.
 */
const PACING_STARTED = /pacing started at (\d+(?:\.\d+)?)/;

/** When the process whose output is `stderr` started pacing: exact if it says so, else its start line's time. */
function pacingStartOf(stderr: string, startLine: RegExp): PipelineRunResult['pacingStart'] {
  const exact = PACING_STARTED.exec(stderr);
  if (exact) return { atMs: Number(exact[1]), exact: true };
  const line = stderr.split('\n').find((l) => startLine.test(l));
  const atMs = line === undefined ? undefined : logLineTime(line);
  return atMs === undefined ? undefined : { atMs, exact: false };
}

export async function runPipeline(spec: PipelineRunSpec): Promise<PipelineRunResult> {
  const procs = new ServiceProcesses(15_000);
  const memory = new MemorySampler(200);
  const csvFile = join(spec.dir, 'metric_log.csv');
  const tail = new CsvTail(csvFile, spec.onRow ? { onRow: spec.onRow, watch: true } : {});
  const startedAt = performance.now();
  const runId = benchRunId();
  const common = ['--count', String(spec.count), '--interval', String(spec.intervalMs), '--seed', '1'];
  // Latency runs want features' exact pacing start, which a debug line may give (see PACING_STARTED).
  const env = spec.onRow ? { PIPELINE_DEBUG: '1' } : {};
  try {
    let pacing: () => PipelineRunResult['pacingStart'];
    if (spec.transport === 'memory') {
      const program = cliProgram(
        ['--transport=memory', ...common, '--run-id', runId, '--log-dir', spec.dir, ...(spec.cliArgs ?? [])],
        { exitsByItself: true, ...(spec.nodeArgs ? { nodeArgs: spec.nodeArgs } : {}) },
      );
      memory.watch('pipeline', procs.start('pipeline', { ...program, env }).pid);
      pacing = () => pacingStartOf(procs.run('pipeline').stderr, /pipeline on memory:/);
    } else {
      const transport = transportArgs(spec.transport);
      const services = {
        model: [...transport],
        metric: [...transport, '--log-dir', spec.dir],
        plot: ['--log-dir', spec.dir],
      };
      for (const [name, args] of Object.entries(services))
        memory.watch(name, procs.start(name, { command: name as 'model' | 'metric' | 'plot', args }).pid);
      await procs.waitForOutput('model', CONNECTED, 30_000, 'stderr');
      await procs.waitForOutput('metric', CONNECTED, 30_000, 'stderr');
      // Connected is not yet subscribed: core NATS would drop what is published before the subscriptions exist.
      await sleep(500);
      const features = procs.start('features', {
        command: 'features',
        args: [...transport, ...common, '--run-id', runId, '--fresh', '--log-dir', spec.dir],
        env,
        exitsByItself: true,
      });
      memory.watch('features', features.pid);
      pacing = () => pacingStartOf(procs.run('features').stderr, /features: run /);
    }
    await tail.waitForRows(spec.count, {
      timeoutMs: spec.timeoutMs,
      stallMs: spec.stallMs,
      abort: () => {
        const dead = procs.unexpectedExits();
        return dead.length > 0
          ? `${dead.map((r) => r.name).join(', ')} exited\n${procs.report(15)}`
          : undefined;
      },
    });
    memory.sample();
    let cliRecordsPerS: number | undefined;
    if (spec.transport === 'memory') {
      const exit = await procs.waitForExit('pipeline', 60_000);
      if (exit.code !== 0) throw new Error(`pipeline exited with ${exit.code}\n${procs.report(15)}`);
      const m = /joined [\d,]+ records in [\d.]+ s \(([\d,]+)\/s\)/.exec(procs.run('pipeline').stdout);
      if (m) cliRecordsPerS = Number((m[1] as string).replace(/,/g, ''));
    }
    return {
      rows: tail.rows,
      recordsPerS: rate(tail, spec.count, startedAt),
      pacingStart: pacing(),
      peakRssMiB: memory.peaks(),
      ...(cliRecordsPerS !== undefined ? { cliRecordsPerS } : {}),
    };
  } finally {
    memory.stop();
    await procs.stopAll();
    await tail.close();
  }
}

/**
 * Rows per second between the first and the last sighting. A run so short that all its rows were seen at once
 * (smoke runs) falls back to the time since the processes were started.
 */
function rate(tail: CsvTail, count: number, startedAt: number): number {
  const { first, last } = tail;
  if (!first || !last) return NaN;
  if (last.atMs > first.atMs && last.rows > first.rows)
    return ((last.rows - first.rows) * 1000) / (last.atMs - first.atMs);
  const elapsed = performance.timeOrigin + startedAt;
  return (count * 1000) / Math.max(1, last.atMs - elapsed);
}
