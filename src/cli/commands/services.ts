/** `pipeline features|model|metric|plot`: one service per process, over RabbitMQ or NATS. */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule, InferredOptionTypes, Options } from 'yargs';
import { CsvAppender } from '../../files/csvAppender.js';
import { featuresService } from '../../services/features.js';
import { featuresStateSaver, loadFeaturesState, type FeaturesState } from '../../services/featuresState.js';
import { newRunId } from '../../core/recordIds.js';
import { metricService } from '../../services/metric.js';
import { modelService } from '../../services/model.js';
import { readDataset } from '../../files/readDataset.js';
import { readModel } from '../../files/readModel.js';
import {
  featuresOptions,
  metricOptions,
  modelOptions,
  outputOptions,
  plotOptions,
  positive,
  transportOptions,
  withEnv,
} from '../options.js';
import { outputPaths } from '../paths.js';
import { lowerPriority } from '../lowerPriority.js';
import { lazyPlotter, plotLoop } from '../plotLoop.js';
import { stopOnSignals } from '../lifecycle.js';
import { runService } from '../runService.js';
import { Terminal } from '../terminal.js';

type Args<O extends Record<string, Options>> = ArgumentsCamelCase<InferredOptionTypes<O>>;

function command<O extends Record<string, Options>>(
  name: string,
  describe: string,
  options: O,
  handler: (args: Args<O>) => Promise<number>,
): CommandModule<object, Args<O>> {
  return {
    command: name,
    describe,
    builder: (y: Argv) => y.options(withEnv(options)) as unknown as Argv<Args<O>>,
    handler: async (args) => {
      process.exitCode = await handler(args as Args<O>);
    },
  };
}

const featuresCmdOptions = {
  ...transportOptions,
  ...featuresOptions,
  'log-dir': outputOptions['log-dir'],
  'state-file': {
    type: 'string',
    describe:
      'where progress is saved, so a restart continues the run [default: <log-dir>/features-<hostname>.state.json]',
  },
  fresh: { type: 'boolean', default: false, describe: 'start a new run even if a saved one is unfinished' },
} as const;
export const featuresCommand = command(
  'features',
  'stream feature vectors to `features` and targets to `y_true`',
  featuresCmdOptions,
  async (args) => {
    positive('interval', args.interval, true);
    positive('count', args.count);
    const dataset = await readDataset(args.dataset, args.target);
    const stateFile = resolve(args.stateFile ?? join(args.logDir, `features-${hostname()}.state.json`));
    await mkdir(dirname(stateFile), { recursive: true });
    const saved = args.fresh ? undefined : await loadFeaturesState(stateFile);
    const resume =
      saved && !saved.finished && (args.runId === undefined || args.runId === saved.runId)
        ? saved
        : undefined;
    const state: FeaturesState = resume ?? {
      version: 1,
      runId: args.runId ?? newRunId(),
      seed: args.seed ?? Math.floor(Math.random() * 2 ** 32),
      next: 0,
      count: args.count ?? null,
      finished: false,
    };
    const count = args.count ?? state.count ?? Infinity;
    const saver = featuresStateSaver(stateFile, { ...state, count: Number.isFinite(count) ? count : null });
    let reachedEnd = false;
    return runService({
      name: 'features',
      args,
      start: (transport, signal, terminal) => {
        terminal.log(
          'info',
          resume
            ? `features: resuming run ${state.runId} at record ${state.next}${Number.isFinite(count) ? ` of ${count}` : ''}`
            : `features: run ${state.runId}${Number.isFinite(count) ? `, ${count} records` : ''} (progress in ${stateFile})`,
        );
        return Promise.resolve(
          featuresService(transport, dataset, {
            intervalMs: args.interval,
            count,
            seed: state.seed,
            runId: state.runId,
            startSequence: state.next,
            onPacingStart: (ms) => terminal.log('debug', `features: pacing started at ${ms.toFixed(3)}`),
            onWatermark: (next) => {
              saver.update(next);
              if (next >= count) reachedEnd = true;
            },
            signal,
          }),
        );
      },
      finish: () => saver.close(reachedEnd),
    });
  },
);

const modelCmdOptions = { ...transportOptions, ...modelOptions } as const;
export const modelCommand = command(
  'model',
  'predict each `features` message and publish it to `y_pred`',
  modelCmdOptions,
  async (args) => {
    const model = await readModel(args.model);
    return runService({
      name: 'model',
      args,
      start: (transport, signal) => Promise.resolve(modelService(transport, model, { signal })),
    });
  },
);

const metricCmdOptions = { ...transportOptions, ...outputOptions, ...metricOptions } as const;
export const metricCommand = command(
  'metric',
  'join `y_true` with `y_pred` by id and append to the metric log',
  metricCmdOptions,
  async (args) => {
    positive('join-ttl', args.joinTtl);
    positive('prefetch', args.prefetch);
    const paths = await outputPaths(args);
    let csv: CsvAppender | undefined;
    return runService({
      name: 'metric',
      args,
      start: async (transport, signal, terminal) => {
        csv = await CsvAppender.open(paths.csvFile, { fsync: args.fsync ?? true });
        terminal.log(
          'info',
          `metric: appending to ${paths.csvFile} (${csv.existingKeys.size > 0 ? 'resuming' : 'new log'})`,
        );
        return metricService(transport, csv, {
          prefetch: args.prefetch,
          ttlMs: args.joinTtl,
          alreadyJoined: csv.existingKeys,
          signal,
        });
      },
      finish: async () => csv?.close(),
    });
  },
);

const plotCmdOptions = { ...outputOptions, ...plotOptions } as const;
export const plotCommand = command(
  'plot',
  'redraw the error histogram PNG from the metric log as it grows',
  plotCmdOptions,
  async (args) => {
    positive('bins', args.bins);
    positive('plot-interval', args.plotInterval);
    const paths = await outputPaths(args);
    const terminal = new Terminal();
    const plotter = lazyPlotter({ csvFile: paths.csvFile, imgFile: paths.imgFile, bins: args.bins });
    // Best-effort renders run after the services that share the machine (see lowerPriority).
    lowerPriority('process');
    terminal.log('info', `plot: ${paths.csvFile} -> ${paths.imgFile} every ${args.plotInterval} ms`);
    const loop = plotLoop(plotter, args.plotInterval, terminal.log);
    const stop = stopOnSignals().signal;
    if (!stop.aborted)
      await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
    await loop.stop();
    await plotter.tick().catch(() => undefined);
    return 0;
  },
);
