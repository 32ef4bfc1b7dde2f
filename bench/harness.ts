/**
 * Runs the selected benchmarks one after another (never two at once: they would measure each other), collects
 * their figures into one report, prints it as one table and writes it as JSON.
 *
 * @example
 * ```ts
 * const report = await runBench({ ...options, scale: 0.1, runs: 3 });
 * ```
 */
import { mkdir, mkdtemp, readdir, readFile, rm, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latency } from './latency.js';
import { metricMemory } from './metricMemory.js';
import { partitionsBench } from './partitions.js';
import { plotBench } from './plotTick.js';
import { startup } from './startup.js';
import { throughput } from './throughput.js';
import { FULL_SCALE } from './targets.js';
import { unreachable } from './support/brokerAdmin.js';
import type { BenchContext } from './support/context.js';
import { formatProfile, topSelfTime, type CpuProfile, type ProfileEntry } from './support/cpuProfile.js';
import { failed, type Figure } from './support/figures.js';
import { COMPILED, REPO_ROOT } from './support/launch.js';
import type { BenchmarkName, BenchOptions } from './support/options.js';
import { runPipeline } from './support/pipelineRun.js';
import { formatReport, machineInfo, REPORT_SCHEMA, writeReport, type BenchReport } from './support/report.js';
import { errorMessage } from '../src/core/errors.js';

export interface BenchIo {
  /** Progress lines. @default stderr */
  readonly log: (message: string) => void;
  /** The final table. @default stdout */
  readonly out: (text: string) => void;
}

const defaultIo: BenchIo = {
  log: (m) => void process.stderr.write(`[bench] ${m}\n`),
  out: (t) => void process.stdout.write(`${t}\n`),
};

type Benchmark = (ctx: BenchContext) => Promise<Figure[]>;

const BENCHMARKS: Record<BenchmarkName, { readonly run: Benchmark; readonly group: string }> = {
  throughput: { run: throughput, group: '1 end-to-end' },
  latency: { run: latency, group: '3 latency' },
  'metric-rss': { run: metricMemory, group: '4 memory' },
  plot: { run: plotBench, group: '5 plot' },
  startup: { run: startup, group: '6 start-up' },
  partitions: { run: partitionsBench, group: '7 partitions' },
};

/**
 * Plot and start-up run in one process without a broker: they belong to `memory`; metric-rss to its broker;
 * partitions to NATS (core and JetStream).
 */
function selected(name: BenchmarkName, o: BenchOptions): boolean {
  if (!o.benchmarks.includes(name)) return false;
  if (name === 'plot' || name === 'startup') return o.transports.includes('memory');
  if (name === 'metric-rss') return o.transports.includes(o.rssTransport);
  if (name === 'partitions') return o.transports.includes('nats') || o.transports.includes('nats-core');
  return true;
}

/** Profiles one memory run with `node --cpu-prof`; keeps the profile next to the results. */
async function profileMemoryRun(ctx: BenchContext, keepIn: string | null): Promise<ProfileEntry[]> {
  const profDir = await ctx.dir('cpu-profile');
  const count = ctx.scaled(FULL_SCALE.e2eRecords.memory, 100);
  await runPipeline({
    transport: 'memory',
    count,
    intervalMs: 0,
    dir: await ctx.dir('profiled-run'),
    timeoutMs: 60_000 + count,
    stallMs: 60_000,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
  });
  const file = (await readdir(profDir)).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('node --cpu-prof wrote no profile');
  if (keepIn !== null) {
    await mkdir(keepIn, { recursive: true });
    await copyFile(join(profDir, file), join(keepIn, 'latest-memory.cpuprofile'));
  }
  const profile = JSON.parse(await readFile(join(profDir, file), 'utf8')) as CpuProfile;
  return topSelfTime(profile, 15, REPO_ROOT);
}

/** Runs the benchmarks `options` selects; prints the table and writes the JSON (unless `resultsDir` is null). */
export async function runBench(options: BenchOptions, io: BenchIo = defaultIo): Promise<BenchReport> {
  const started = new Date();
  const t0 = performance.now();
  const machine = machineInfo();
  const workDir = await mkdtemp(join(tmpdir(), 'rx-ml-pipeline-bench-'));
  let dirs = 0;
  const ctx: BenchContext = {
    options,
    log: io.log,
    dir: async (name) => {
      const dir = join(workDir, `${String(++dirs).padStart(3, '0')}-${name}`);
      await mkdir(dir, { recursive: true });
      return dir;
    },
    scaled: (n, min = 1) => Math.max(min, Math.round(n * options.scale)),
    unreachable,
  };
  const figures: Figure[] = [];
  let profile: ProfileEntry[] | undefined;
  try {
    for (const name of options.benchmarks) {
      if (!selected(name, options)) continue;
      const { run, group } = BENCHMARKS[name];
      io.log(`${name}: starting`);
      try {
        figures.push(...(await run(ctx)));
      } catch (e) {
        io.log(`${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        figures.push(failed({ id: `${name}.error`, group, label: `${name} benchmark`, unit: '' }, e));
      }
    }
    if (options.profile) {
      io.log('profiling one memory run (node --cpu-prof)');
      try {
        profile = await profileMemoryRun(ctx, options.resultsDir);
      } catch (e) {
        io.log(`profiling failed: ${errorMessage(e)}`);
      }
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  const { resultsDir: _resultsDir, ...shown } = options;
  const report: BenchReport = {
    schema: REPORT_SCHEMA,
    date: started.toISOString(),
    machine,
    build: COMPILED ? 'dist' : 'tsx',
    options: shown,
    durationS: (performance.now() - t0) / 1000,
    // By the report's numbering; within a benchmark, in the order they were measured.
    figures: [...figures].sort((a, b) => a.group.localeCompare(b.group)),
    ...(profile ? { profile } : {}),
  };
  io.out(formatReport(report));
  if (profile) io.out(`\nTop self time of a memory run (node --cpu-prof):\n\n${formatProfile(profile)}`);
  if (options.resultsDir !== null) {
    const files = await writeReport(report, options.resultsDir);
    io.log(`wrote ${files.join(' and ')}`);
  }
  return report;
}
