/**
 * The plot service in a worker thread, for the one-process pipeline: reading the log and rendering the PNG (tens
 * of milliseconds a frame) then never stall the records flowing on the main thread, and use the second core.
 * Messages from the parent: 'stop' (finish, render once more, reply 'done'). To the parent: log lines.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createPlotter, type PlotterOptions } from '../services/plot.js';
import type { LogLevel } from '../core/log.js';
import { lowerPriority } from './lowerPriority.js';
import { plotLoop } from './plotLoop.js';

export interface PlotWorkerData {
  readonly plotter: PlotterOptions;
  readonly intervalMs: number;
}

export type PlotWorkerMessage = { kind: 'log'; level: LogLevel; message: string } | { kind: 'done' };

const port = parentPort;
if (port) {
  const data = workerData as PlotWorkerData;
  lowerPriority('thread');
  const post = (m: PlotWorkerMessage): void => port.postMessage(m);
  const log = (level: LogLevel, message: string): void => post({ kind: 'log', level, message });
  const plotter = createPlotter(data.plotter);
  const loop = plotLoop(plotter, data.intervalMs, log);
  port.on('message', (m: unknown) => {
    if (m !== 'stop') return;
    void (async () => {
      await loop.stop();
      await plotter.tick().catch((e: unknown) => log('error', `final plot failed: ${(e as Error).message}`));
      post({ kind: 'done' });
      port.close();
    })();
  });
}
