/** Starts the plot service in a worker thread (see plotWorker.ts) and stops it with a last render. */
import { Worker } from 'node:worker_threads';
import type { PlotterOptions } from '../services/plot.js';
import type { LogLevel } from '../core/log.js';
import type { PlotWorkerData, PlotWorkerMessage } from './plotWorker.js';

export function plotInWorker(
  plotter: PlotterOptions,
  intervalMs: number,
  log: (level: LogLevel, message: string) => void,
): { stop(timeoutMs?: number): Promise<void> } {
  const data: PlotWorkerData = { plotter, intervalMs };
  const self = import.meta.url;
  // Run from the TypeScript sources (tests, through tsx), the worker must register tsx itself: Node 20 does not
  // hand a parent's --import loader on to worker threads.
  const worker = self.endsWith('.ts')
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); ` +
          `return import(${JSON.stringify(new URL('./plotWorker.ts', self).href)}); })`,
        { eval: true, workerData: data },
      )
    : new Worker(new URL('./plotWorker.js', self), { workerData: data });
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  worker.on('message', (m: PlotWorkerMessage) => {
    if (m.kind === 'log') log(m.level, m.message);
    else finished();
  });
  worker.on('error', (e) => {
    log('error', `plot worker: ${e.message}`);
    finished();
  });
  worker.on('exit', () => finished());
  return {
    stop: async (timeoutMs = 15_000) => {
      worker.postMessage('stop');
      const timer = setTimeout(() => {
        log('warn', 'plot worker did not finish its last render in time; stopping it');
        void worker.terminate();
      }, timeoutMs);
      await done;
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}
