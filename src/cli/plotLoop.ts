/** Re-renders the plot every `intervalMs`, never two ticks at once; errors are logged, never fatal. */
import type { PlotterOptions } from '../services/plot.js';
import type { LogLevel } from '../core/log.js';

export interface Tickable {
  tick(): Promise<unknown>;
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
        await plotter.tick();
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
