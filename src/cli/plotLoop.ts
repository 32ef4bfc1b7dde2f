/**
 * Re-renders the plot every `intervalMs`, never two ticks at once; errors are logged, never fatal, and so are the
 * warnings a tick reports.
 */
import type { PlotterOptions } from '../services/plot.js';
import type { LogLevel } from '../core/log.js';

/** What a tick may ask the log to say. */
export interface TickReport {
  /** Logged as warnings; a tick reports each problem once, when it appears. */
  readonly warnings?: readonly string[];
}

export interface Tickable {
  tick(): Promise<TickReport | void>;
}

export function plotLoop(
  plotter: Tickable,
  intervalMs: number,
  log: (level: LogLevel, message: string) => void,
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  let lastError = '';
  const timer = setInterval(() => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        const report = await plotter.tick();
        for (const w of report?.warnings ?? []) log('warn', `plot: ${w}`);
        lastError = '';
      } catch (e) {
        const message = `plot: ${(e as Error).message}`;
        // The same failure every tick is one log line, not a flood.
        if (message !== lastError) log('error', message);
        lastError = message;
      }
    });
  }, intervalMs);
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

/**
 * A plotter whose module (vega, vega-lite, resvg: most of the start-up time) is loaded on its first tick, so the
 * pipeline starts streaming records without waiting for the renderer.
 */
export function lazyPlotter(options: PlotterOptions): Tickable {
  let plotter: Promise<Tickable> | undefined;
  return {
    tick: async () => {
      plotter ??= import('../services/plot.js').then((m) => m.createPlotter(options));
      return (await plotter).tick();
    },
  };
}
