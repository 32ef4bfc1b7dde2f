/**
 * Benchmark 6: start-up, from spawning `pipeline --transport=memory --interval 0` to the first row in its CSV.
 *
 * The CLI's script is started by node directly, which is what the `pipeline` bin runs. `npx pipeline` is not
 * measured: it adds npm's own start-up (seconds here), and run in this repository it installs the project into
 * npx's cache, running its `prepare` script (`npm run build`, which rewrites dist/) the first time: not
 * something a benchmark should set off. Each process is bounded with --count 100000 (the first row comes long
 * before that), so a process the bench failed to end still ends.
 */
import { join } from 'node:path';
import { ServiceProcesses } from '../harness/serviceProcesses.js';
import type { BenchContext } from './support/context.js';
import { CsvTail } from './support/csvTail.js';
import { Samples, type Figure } from './support/figures.js';
import { cliProgram, COMPILED } from './support/launch.js';
import { nowMs } from './support/time.js';
import { specs } from './targets.js';
import { errorMessage } from '../src/core/errors.js';

const ARGS = ['--transport=memory', '--interval', '0', '--count', '100000'];

async function timeToFirstRow(ctx: BenchContext, run: number): Promise<number> {
  const dir = await ctx.dir(`startup-${run}`);
  const procs = new ServiceProcesses(15_000);
  const tail = new CsvTail(join(dir, 'metric_log.csv'), { pollMs: 5 });
  const args = [...ARGS, '--log-dir', dir];
  try {
    const start = nowMs();
    procs.start('pipeline', cliProgram(args));
    const abort = (): string | undefined =>
      procs.unexpectedExits().length > 0 ? `the pipeline exited\n${procs.report(10)}` : undefined;
    await tail.waitForRows(1, { timeoutMs: 60_000, abort });
    const first = tail.first?.atMs ?? NaN;
    return first - start;
  } finally {
    await procs.stopAll();
    await tail.close();
  }
}

export async function startup(ctx: BenchContext): Promise<Figure[]> {
  const spec = specs.startup(COMPILED ? 'node dist/src/cli.js' : 'node --import tsx src/cli.ts');
  const samples = new Samples();
  for (let run = 1; run <= ctx.options.runs; run++) {
    try {
      const ms = await timeToFirstRow(ctx, run);
      samples.add(spec, ms, COMPILED ? undefined : 'through tsx, which compiles on load: slower than dist/');
      ctx.log(`6 start-up run ${run}: ${ms.toFixed(0)} ms to the first row`);
    } catch (e) {
      const why = errorMessage(e).split('\n')[0] ?? '';
      ctx.log(`6 start-up run ${run} failed: ${why}`);
      samples.add(spec, NaN, `run ${run} failed: ${why}`);
    }
  }
  return samples.figures();
}
