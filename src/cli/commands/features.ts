/**
 * `pipeline features`: the features service in its own process. Its progress is saved, so that a restarted
 * process continues its run (see services/featuresResume.ts).
 */
import { resolve } from 'node:path';
import { readDataset } from '../../files/readDataset.js';
import { featuresService } from '../../services/features.js';
import { defaultStateFile, describeFeaturesRun, openFeaturesRun } from '../../services/featuresResume.js';
import { defineCommand } from '../command.js';
import { featuresOptions, outputOptions, transportOptions } from '../options.js';
import { injectedDrift } from '../driftSetup.js';
import { metricsOptions } from '../metricsEndpoint.js';
import { checkPartitionCount } from '../partitionCheck.js';
import { runService } from '../runService.js';
import { partitionsOptions } from '../partitionOptions.js';

export const featuresCommand = defineCommand({
  name: 'features',
  describe: 'stream feature vectors to `features` and targets to `y_true`',
  options: {
    ...transportOptions,
    ...featuresOptions,
    ...metricsOptions,
    ...partitionsOptions,
    'log-dir': outputOptions['log-dir'],
    'state-file': {
      type: 'string',
      describe:
        'where progress is saved, so a restart continues the run [default: <log-dir>/features-<hostname>.state.json]',
    },
    fresh: { type: 'boolean', default: false, describe: 'start a new run even if a saved one is unfinished' },
  },
  handler: async (args) => {
    const dataset = await readDataset(args.dataset, args.target);
    await checkPartitionCount(args, args.partitions);
    const shift = injectedDrift(args.injectDrift, dataset.featureNames);
    const run = await openFeaturesRun(resolve(args.stateFile ?? defaultStateFile(args.logDir)), args);
    return runService({
      name: 'features',
      args,
      start: (transport, signal, terminal) => {
        terminal.log('info', describeFeaturesRun(run, run.stateFile));
        return Promise.resolve(
          featuresService(transport, dataset, {
            ...run.serviceOptions,
            intervalMs: args.interval,
            onPacingStart: (ms) => terminal.log('debug', `features: pacing started at ${ms.toFixed(3)}`),
            onWatermark: run.progress,
            partitions: args.partitions,
            ...(shift ? { shift } : {}),
            signal,
          }),
        );
      },
      finish: () => run.close(),
    });
  },
});
