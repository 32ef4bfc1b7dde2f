/**
 * `pipeline plot`: redraws the error histogram from the metric log, in its own process, until stopped; over
 * partition logs, also writes the summary over every partition.
 */
import { defineCommand } from '../command.js';
import { stopOnSignals } from '../lifecycle.js';
import { lowerPriority } from '../lowerPriority.js';
import { outputOptions, plotOptions, plotterSettings } from '../options.js';
import { outputPaths } from '../paths.js';
import { mergedSummaryOptions, mergedSummarySettings } from '../mergedSummaryOptions.js';
import { lazyPlotter, plotLoop } from '../plotLoop.js';
import { metricsOptions, openMetricsEndpoint } from '../metricsEndpoint.js';
import { Terminal } from '../terminal.js';
import { timelineOptions, timelineSettings } from '../timelineOptions.js';

export const plotCommand = defineCommand({
  name: 'plot',
  describe: 'redraw the error histogram and error-over-time PNGs from the metric log as it grows',
  options: {
    ...outputOptions,
    ...plotOptions,
    ...timelineOptions,
    ...mergedSummaryOptions,
    ...metricsOptions,
  },
  handler: async (args) => {
    const paths = await outputPaths(args);
    const terminal = new Terminal();
    const endpoint = await openMetricsEndpoint(args, 'plot');
    endpoint?.attach({});
    if (endpoint) terminal.log('info', `plot: metrics on ${endpoint.url}, probes /healthz and /readyz`);
    const timeline = await timelineSettings(paths, args);
    const summary = mergedSummarySettings(paths, args);
    const plotter = lazyPlotter({
      ...plotterSettings(paths, args),
      ...(timeline ? { timeline } : {}),
      ...(summary ? { summary } : {}),
    });
    // Best-effort renders run after the services that share the machine (see lowerPriority).
    lowerPriority('process');
    const images = timeline ? `${paths.imgFile}, ${timeline.file}` : paths.imgFile;
    terminal.log('info', `plot: ${paths.csvFile} -> ${images} every ${args.plotInterval} ms`);
    if (summary)
      terminal.log(
        'info',
        `plot: over partition logs, their summary -> ${summary.file} (see docs/partitions.md)`,
      );
    const loop = plotLoop(plotter, args.plotInterval, terminal.log);
    const stop = stopOnSignals().signal;
    endpoint?.serving();
    if (!stop.aborted)
      await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
    endpoint?.stopping();
    await loop.stop();
    await plotter.tick().catch(() => undefined);
    await endpoint?.close();
    return 0;
  },
});
