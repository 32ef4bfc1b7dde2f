/**
 * Benchmark 5: the plot service's tick on a log of 10,000 rows and of 1,000,000 rows, and the PNG render.
 *
 * A plotter first reads its whole log (the catch-up, spread over ticks of at most 8 MiB each); from then on a
 * tick reads only what was appended. So the figure is the tick after 100 rows are appended, with the PNG render
 * it triggers: the steady-state cost, which should not depend on the log's length. The two sizes alternate
 * within each run. The render is also timed alone, warm (vega and resvg loaded), and once cold.
 */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { formatMetricRow, METRIC_CSV_HEADER } from '../src/core/metricCsv.js';
import type { BenchContext } from './support/context.js';
import { median, Samples, type Figure } from './support/figures.js';
import { FULL_SCALE, specs } from './targets.js';

/** Appends `rows` plausible rows (ids `<prefix>-<n>`), header first if `header`. */
async function writeRows(file: string, prefix: string, rows: number, header: boolean): Promise<void> {
  const handle = await open(file, 'a');
  try {
    if (header) await handle.write(`${METRIC_CSV_HEADER}\n`);
    const CHUNK = 10_000;
    for (let start = 0; start < rows; start += CHUNK) {
      let text = '';
      for (let n = start; n < Math.min(rows, start + CHUNK); n++) {
        const yTrue = 25 + ((n * 37) % 321);
        const yPred = yTrue + Math.sin(n) * 60;
        text += formatMetricRow({
          id: `${prefix}-${n}`,
          y_true: yTrue,
          y_pred: yPred,
          absolute_error: Math.abs(yTrue - yPred),
        });
      }
      await handle.write(text);
    }
  } finally {
    await handle.close();
  }
}

/** Ticks per log size in one run. */
const TICKS_PER_RUN = 5;

export async function plotBench(ctx: BenchContext): Promise<Figure[]> {
  const sizes = {
    small: ctx.scaled(FULL_SCALE.plotRows.small, 100),
    large: ctx.scaled(FULL_SCALE.plotRows.large, 1_000),
  };
  const dir = await ctx.dir('plot');
  const samples = new Samples();

  // Cold: the renderer's modules load on first use, as in the CLI (lazyPlotter). Once per process: one sample.
  const coldStart = performance.now();
  const { createPlotter } = await import('../src/services/plot.js');
  const { renderPng } = await import('../src/files/renderPng.js');
  const { errorHistogramSpec } = await import('../src/core/plotSpec.js');
  const { ErrorHistogram } = await import('../src/core/histogram.js');
  const { RunningStats } = await import('../src/core/stats.js');
  const h = new ErrorHistogram();
  const s = new RunningStats();
  for (let i = 0; i < 1000; i++) {
    h.add(Math.abs(Math.sin(i)) * 100);
    s.add(Math.abs(Math.sin(i)) * 100);
  }
  await renderPng(errorHistogramSpec(h.snapshot(), s.snapshot()));
  samples.add(
    specs.renderPngCold(),
    performance.now() - coldStart,
    'one sample: the first render of the process',
  );

  const plotters = {} as Record<keyof typeof sizes, ReturnType<typeof createPlotter>>;
  for (const which of ['small', 'large'] as const) {
    const csvFile = join(dir, `${which}.csv`);
    await writeRows(csvFile, which, sizes[which], true);
    const plotter = createPlotter({ csvFile, imgFile: join(dir, `${which}.png`) });
    const { size } = await stat(csvFile);
    const t = performance.now();
    while (plotter.state().offset < size) await plotter.tick();
    ctx.log(
      `5 plot: catching up with ${sizes[which].toLocaleString('en-US')} rows took ${(performance.now() - t).toFixed(0)} ms`,
    );
    plotters[which] = plotter;
  }

  // A tick takes tens of milliseconds, which one disturbance can double: each run's figure is the median of
  // TICKS_PER_RUN ticks per size, the sizes alternating.
  const tickOnce = async (which: keyof typeof sizes): Promise<number> => {
    await writeRows(join(dir, `${which}.csv`), `${which}-more`, FULL_SCALE.plotAppendRows, false);
    const t = performance.now();
    const result = await plotters[which].tick();
    const ms = performance.now() - t;
    if (result.rowsAdded !== FULL_SCALE.plotAppendRows || !result.rendered)
      throw new Error(
        `a plot tick read ${result.rowsAdded} rows (rendered: ${result.rendered}); expected 100`,
      );
    return ms;
  };
  for (let run = 1; run <= ctx.options.runs; run++) {
    const ticks: Record<keyof typeof sizes, number[]> = { small: [], large: [] };
    for (let i = 0; i < TICKS_PER_RUN; i++)
      for (const which of (run + i) % 2 === 1 ? (['small', 'large'] as const) : (['large', 'small'] as const))
        ticks[which].push(await tickOnce(which));
    const tick = { small: median(ticks.small), large: median(ticks.large) };
    samples.add(specs.plotTick(sizes.small), tick.small);
    samples.add(specs.plotTick(sizes.large), tick.large);
    samples.add(specs.plotRatio(sizes.large, sizes.small), tick.large / tick.small);
    const state = plotters.large.state();
    const renders: number[] = [];
    for (let i = 0; i < TICKS_PER_RUN; i++) {
      const t = performance.now();
      await renderPng(errorHistogramSpec(state.histogram, state.stats));
      renders.push(performance.now() - t);
    }
    samples.add(specs.renderPng(), median(renders));
    ctx.log(
      `5 plot run ${run}: tick ${tick.small.toFixed(1)} ms vs ${tick.large.toFixed(1)} ms, ` +
        `render ${median(renders).toFixed(1)} ms`,
    );
  }
  return samples.figures();
}
