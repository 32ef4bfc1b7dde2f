/**
 * One run of the pipeline as separate processes of the real CLI over a rig: features, model, metric (and plot
 * when asked), each started, killed, stopped and restarted by name, all ended by pid when the scenario ends.
 * The run is bounded: features stops by itself after `records`, and every wait has a deadline.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ServiceProcesses,
  waitForCsvRows,
  type ProcessExit,
  type ProcessRun,
} from '../../harness/serviceProcesses.js';
import type { PipelineRig, Rig } from './rig.js';

export type PipelineService = 'features' | 'model' | 'metric' | 'plot';

export interface PipelineOptions {
  /** Records features sends in all. */
  readonly records: number;
  /** Milliseconds between records; 0 = as fast as back-pressure allows. @default 0 */
  readonly intervalMs?: number;
  /** Extra arguments per service, e.g. `{ metric: ['--join-ttl', '2000'] }`. */
  readonly extraArgs?: Partial<Record<PipelineService, readonly string[]>>;
  /** Replaces the `metric` command line (e.g. to start it under `prlimit`). */
  readonly metricLauncher?: (argv: string[]) => { executable: string; args: string[] };
}

/** Fixed per run, so every id the run can produce is known in advance: `<runId>-<sequence>`. */
const SEED = 20_260_208;

export class Pipeline<R extends PipelineRig = Rig> {
  readonly procs = new ServiceProcesses(20_000);
  readonly runId: string;
  private readonly t0 = performance.now();

  private constructor(
    readonly rig: R,
    readonly dir: string,
    readonly options: PipelineOptions,
  ) {
    this.runId = `f${Date.now().toString(36)}`;
  }

  /** A pipeline over `rig` with a fresh log folder; the rig's topics are reset first. */
  static async create<R extends PipelineRig>(rig: R, options: PipelineOptions): Promise<Pipeline<R>> {
    await rig.reset();
    const dir = await mkdtemp(join(tmpdir(), `faults-${rig.transport}-`));
    return new Pipeline(rig, dir, options);
  }

  get csvFile(): string {
    return join(this.dir, 'metric_log.csv');
  }

  get imgFile(): string {
    return join(this.dir, 'error_distribution.png');
  }

  /** Seconds since the pipeline was created, for the results. */
  seconds(): number {
    return Math.round((performance.now() - this.t0) / 100) / 10;
  }

  /** Every record id this run sends, in order. */
  expectedIds(): string[] {
    return Array.from({ length: this.options.records }, (_, i) => `${this.runId}-${i}`);
  }

  /** Starts `name` (again: a restart uses the same command line, so features resumes from its state file). */
  start(name: PipelineService): ProcessRun {
    const extra = this.options.extraArgs?.[name] ?? [];
    const broker = this.rig.serviceArgs;
    switch (name) {
      case 'features':
        return this.procs.start(name, {
          command: 'features',
          args: [
            ...broker,
            ...['--count', String(this.options.records), '--interval', String(this.options.intervalMs ?? 0)],
            ...['--seed', String(SEED), '--run-id', this.runId, '--log-dir', this.dir],
            ...extra,
          ],
          exitsByItself: true,
        });
      case 'model':
        return this.procs.start(name, { command: 'model', args: [...broker, ...extra] });
      case 'metric': {
        const args = [...broker, '--log-dir', this.dir, ...extra];
        if (this.options.metricLauncher === undefined)
          return this.procs.start(name, { command: 'metric', args });
        return this.procs.start(name, this.options.metricLauncher(['metric', ...args]));
      }
      case 'plot':
        return this.procs.start(name, { command: 'plot', args: ['--log-dir', this.dir, ...extra] });
    }
  }

  /** Starts model and metric and waits until both are connected; then features. */
  async startAll(withPlot = false): Promise<void> {
    this.start('model');
    this.start('metric');
    if (withPlot) this.start('plot');
    await this.connected('model');
    await this.connected('metric');
    this.start('features');
  }

  /** Waits until the latest run of `name` has connected to the broker. */
  connected(name: Exclude<PipelineService, 'plot'>, timeoutMs = 60_000): Promise<void> {
    return this.procs.waitForOutput(name, /(amqp|nats|nats-core): connected/, timeoutMs);
  }

  /** Waits for at least `rows` rows in the log. */
  async rows(rows: number, timeoutMs = 240_000): Promise<string[]> {
    return waitForCsvRows(this.csvFile, rows, { timeoutMs, processes: this.procs, intervalMs: 250 });
  }

  /** kill -9 of `name`, then the same command again. */
  async killAndRestart(name: PipelineService): Promise<void> {
    await this.procs.kill(name);
    this.start(name);
  }

  /** SIGTERM, the exit it ended with, and how long it took (the process is SIGKILLed after `graceMs`). */
  async terminate(name: PipelineService, graceMs: number): Promise<{ exit: ProcessExit; ms: number }> {
    const t0 = performance.now();
    const exit = await this.procs.stop(name, graceMs);
    return { exit, ms: performance.now() - t0 };
  }

  /** Stops every service that still runs, cleanly, and returns how each run ended. */
  async stopAll(): Promise<Record<string, ProcessExit | undefined>> {
    await this.procs.stopAll();
    const out: Record<string, ProcessExit | undefined> = {};
    for (const name of ['features', 'model', 'metric', 'plot'])
      if (this.procs.runs(name).length > 0) out[name] = this.procs.run(name).exit;
    return out;
  }

  /** Ends every process and removes the log folder. */
  async dispose(): Promise<void> {
    await this.procs.stopAll(5_000);
    await rm(this.dir, { recursive: true, force: true });
  }
}
