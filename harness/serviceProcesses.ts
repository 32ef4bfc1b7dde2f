/**
 * The services as separate OS processes of the real CLI, the way docker compose runs them: start, stop (SIGTERM,
 * as `docker stop` does), kill -9, signal and restart each one by name, wait for what it prints or for rows in a
 * CSV, and read its output. For the end-to-end and fault-injection suites over RabbitMQ and NATS.
 *
 * Every process is ended by its pid, never by name: `stopAll()` belongs in an `after` hook, and should the test
 * process itself exit first, its 'exit' event SIGKILLs whatever is still running, so no service outlives its test.
 *
 * Runs are hermetic: the variables that would point a service somewhere the test did not say (CSV_FILE, AMQP_URL,
 * PIPELINE_*…) are removed from the environment it inherits; the test states everything in arguments or `env`.
 *
 * @example
 * ```ts
 * const procs = new ServiceProcesses();
 * after(() => procs.stopAll());
 * procs.start('metric', { command: 'metric', args: ['--transport=amqp', '--log-dir', dir] });
 * procs.start('features', { command: 'features', args: ['--transport=amqp', '--count', '100'], exitsByItself: true });
 * await waitForCsvRows(join(dir, 'metric_log.csv'), 100, { timeoutMs: 30_000, processes: procs });
 * await procs.kill('metric'); // kill -9
 * await procs.restart('metric');
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cliCommand, REPO_ROOT } from './cli.js';
import { until, type Watched } from './poll.js';

/** A command of the CLI that runs one service. */
export type ServiceCommand = 'features' | 'model' | 'metric' | 'plot';

interface SpecCommon {
  /** Arguments after the command (or the executable). */
  readonly args?: readonly string[];
  /** Added to the (cleaned) environment; an `undefined` value removes a variable. */
  readonly env?: NodeJS.ProcessEnv;
  /** @default the repository root */
  readonly cwd?: string;
  /** It ends by itself (features with --count, a script): an exit with code 0 is then no failure. @default false */
  readonly exitsByItself?: boolean;
}

/** A service of the CLI: `pipeline <command> …args`, compiled or through tsx as the tests run. */
export interface CliProcessSpec extends SpecCommon {
  readonly command: ServiceCommand;
}

/** Any other program the scenario needs beside the services (a pika script, a proxy). */
export interface ProgramProcessSpec extends SpecCommon {
  readonly executable: string;
}

export type ProcessSpec = CliProcessSpec | ProgramProcessSpec;

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One run of one named process; a restart is a new run under the same name. */
export interface ProcessRun {
  readonly name: string;
  readonly pid: number;
  readonly spec: ProcessSpec;
  readonly stdout: string;
  readonly stderr: string;
  /** Undefined while it runs. */
  readonly exit: ProcessExit | undefined;
  readonly exited: Promise<ProcessExit>;
  /** True once the test asked it to end (stop, kill, or a signal meant to end it). */
  readonly endRequested: boolean;
}

/** Variables a service reads besides its arguments: removed so that a run depends on nothing but the test. */
const AMBIENT = /^(PIPELINE_|CSV_FILE$|IMG_FILE$|MODEL_FILE$|AMQP_URL$|RABBITMQ_HOST$|NATS_URL$)/;

function cleanEnv(extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!AMBIENT.test(k)) env[k] = v;
  // spawn() skips undefined values, so `{ X: undefined }` in `extra` removes X.
  return { ...env, ...extra };
}

/** Every live child of this test process, for the last-resort kill on exit. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of live) if (c.pid !== undefined) tryKill(c.pid, 'SIGKILL');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone: nothing left to end.
  }
}

class Run implements ProcessRun {
  stdout = '';
  stderr = '';
  exit: ProcessExit | undefined;
  endRequested = false;
  readonly pid: number;
  readonly exited: Promise<ProcessExit>;

  constructor(
    readonly name: string,
    readonly spec: ProcessSpec,
    readonly child: ChildProcess,
  ) {
    // A spawn failure (ENOENT…) arrives as an 'error' event: without a listener it would crash the test process.
    child.on('error', (e) => (this.stderr += `[spawn error] ${e.message}\n`));
    if (child.pid === undefined) throw new Error(`${name}: the process did not start`);
    this.pid = child.pid;
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (this.stdout += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    // 'close' rather than 'exit': the output is complete only once its pipes are closed.
    this.exited = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
  }

  /** Ended without the test asking, and not the clean end of a process meant to end by itself. */
  get unexpected(): boolean {
    if (this.exit === undefined || this.endRequested) return false;
    return !(this.spec.exitsByItself && this.exit.code === 0);
  }
}

function startChild(spec: ProcessSpec): ChildProcess {
  const { command, argv } =
    'command' in spec
      ? cliCommand([spec.command, ...(spec.args ?? [])])
      : { command: spec.executable, argv: [...(spec.args ?? [])] };
  return spawn(command, argv, {
    cwd: spec.cwd ?? REPO_ROOT,
    env: cleanEnv(spec.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A set of named processes, each started, stopped and restarted by name. */
export class ServiceProcesses implements Watched {
  private readonly byName = new Map<string, Run[]>();

  /** @param stopTimeoutMs how long `stop` waits after SIGTERM before it sends SIGKILL */
  constructor(private readonly stopTimeoutMs = 20_000) {}

  /** Starts a process under `name`. A name may be reused once its previous run has exited (a restart). */
  start(name: string, spec: ProcessSpec): ProcessRun {
    const previous = this.latest(name);
    if (previous && previous.exit === undefined)
      throw new Error(`${name} is already running (pid ${previous.pid})`);
    const child = startChild(spec);
    track(child);
    const run = new Run(name, spec, child);
    this.byName.set(name, [...(this.byName.get(name) ?? []), run]);
    return run;
  }

  /** The latest run of `name`. */
  run(name: string): ProcessRun {
    return this.mustGet(name);
  }

  /** Every run of `name`, oldest first. */
  runs(name: string): readonly ProcessRun[] {
    return this.byName.get(name) ?? [];
  }

  /** Everything `name` printed on stdout and stderr, over all its runs. */
  output(name: string): { stdout: string; stderr: string } {
    const runs = this.runs(name);
    return { stdout: runs.map((r) => r.stdout).join(''), stderr: runs.map((r) => r.stderr).join('') };
  }

  /**
   * Sends `signal` to the latest run by pid. `ends: true` marks its exit as asked for (SIGTERM, SIGINT, SIGKILL);
   * SIGSTOP / SIGCONT freeze and thaw a process without ending it.
   */
  signal(name: string, signal: NodeJS.Signals, ends = signal !== 'SIGSTOP' && signal !== 'SIGCONT'): void {
    const run = this.mustGet(name);
    if (run.exit !== undefined) return;
    if (ends) run.endRequested = true;
    tryKill(run.pid, signal);
  }

  /** SIGTERM (a clean stop: the service drains and exits 0), then SIGKILL if it has not exited in time. */
  async stop(name: string, timeoutMs = this.stopTimeoutMs): Promise<ProcessExit> {
    const run = this.mustGet(name);
    if (run.exit !== undefined) return run.exit;
    this.signal(name, 'SIGTERM');
    const timer = setTimeout(() => tryKill(run.pid, 'SIGKILL'), timeoutMs);
    const exit = await run.exited;
    clearTimeout(timer);
    return exit;
  }

  /** kill -9: the process dies at once, holding whatever it had not settled. */
  async kill(name: string): Promise<ProcessExit> {
    const run = this.mustGet(name);
    this.signal(name, 'SIGKILL');
    return run.exited;
  }

  /** Ends the latest run (stop, or kill -9 with `kill: true`) and starts it again with the same spec. */
  async restart(name: string, options: { kill?: boolean } = {}): Promise<ProcessRun> {
    const run = this.mustGet(name);
    await (options.kill ? this.kill(name) : this.stop(name));
    return this.start(name, run.spec);
  }

  /** Resolves when the latest run of `name` exits by itself; rejects (and reports) after `timeoutMs`. */
  async waitForExit(name: string, timeoutMs: number): Promise<ProcessExit> {
    const run = this.mustGet(name);
    return until(() => run.exit, `${name} to exit`, { timeoutMs, intervalMs: 100, watch: this });
  }

  /** Resolves once the latest run of `name` printed something matching `pattern`; rejects if it exits first. */
  async waitForOutput(
    name: string,
    pattern: RegExp,
    timeoutMs: number,
    stream: 'stdout' | 'stderr' | 'both' = 'both',
  ): Promise<void> {
    const run = this.mustGet(name);
    const text = (): string =>
      stream === 'stdout' ? run.stdout : stream === 'stderr' ? run.stderr : run.stdout + run.stderr;
    await until(
      () => {
        if (pattern.test(text())) return true;
        if (run.exit !== undefined)
          throw new Error(`${name} exited before printing ${pattern}\n${this.report()}`);
        return undefined;
      },
      `${name} to print ${pattern}`,
      { timeoutMs, intervalMs: 100, watch: this },
    );
  }

  /** Runs that ended without being asked to (a crash), for failing fast instead of waiting out a timeout. */
  unexpectedExits(): readonly ProcessRun[] {
    return [...this.byName.values()].flat().filter((r) => r.unexpected);
  }

  /** For `until(…, { watch: procs })`: a run that died unexpectedly ends the wait at once. */
  failure(): string | undefined {
    const dead = this.unexpectedExits();
    return dead.length > 0 ? `${dead.map((r) => r.name).join(', ')} exited` : undefined;
  }

  /** Stops every running process at once (SIGTERM, then SIGKILL after the timeout). For `after` hooks. */
  async stopAll(timeoutMs = this.stopTimeoutMs): Promise<void> {
    await Promise.all(
      [...this.byName.keys()]
        .filter((n) => this.latest(n)?.exit === undefined)
        .map((n) => this.stop(n, timeoutMs)),
    );
  }

  /**
   * Every run with its exit and the end of its output: the message to attach to a failed assertion. The log
   * (stderr) comes first and longer: stdout is mostly the status line, one a second, all alike.
   */
  report(lines = 25): string {
    const tail = (s: string, n: number): string => s.trimEnd().split('\n').slice(-n).join('\n    ');
    return [...this.byName.values()]
      .flat()
      .map((r) => {
        const state = r.exit ? `exited code=${r.exit.code} signal=${r.exit.signal}` : 'running';
        return (
          `--- ${r.name} (pid ${r.pid}, ${state})\n  stderr:\n    ${tail(r.stderr, lines)}\n` +
          `  stdout:\n    ${tail(r.stdout, Math.min(lines, 5))}`
        );
      })
      .join('\n');
  }

  private latest(name: string): Run | undefined {
    return this.byName.get(name)?.at(-1);
  }

  private mustGet(name: string): Run {
    const run = this.latest(name);
    if (!run) throw new Error(`no process named ${name}`);
    return run;
  }
}

/**
 * Resolves with the data rows of the CSV (header excluded) once it has at least `rows` of them; rejects on
 * timeout or as soon as one of `processes` dies unexpectedly, with their output in the message.
 */
export async function waitForCsvRows(
  file: string,
  rows: number,
  options: { timeoutMs: number; processes?: ServiceProcesses; intervalMs?: number },
): Promise<string[]> {
  let seen = 0;
  try {
    return await until(
      async () => {
        const text = await readFile(file, 'utf8').catch(() => '');
        // Only whole lines count: the last one may be mid-write.
        const lines = text.split('\n').slice(1, -1);
        seen = lines.length;
        return lines.length >= rows ? lines : undefined;
      },
      `${rows} rows in ${file}`,
      { timeoutMs: options.timeoutMs, intervalMs: options.intervalMs ?? 200, watch: options.processes },
    );
  } catch (e) {
    throw new Error(`${seen} of ${rows} rows so far: ${(e as Error).message}`);
  }
}
