/** `pipeline model`: the model service in its own process. */
import { readModel } from '../../files/readModel.js';
import { modelService } from '../../services/model.js';
import { defineCommand } from '../command.js';
import { driftReporterFor } from '../driftSetup.js';
import { driftOptions, modelOptions, transportOptions } from '../options.js';
import { metricsOptions } from '../metricsEndpoint.js';
import { checkPartitionCount } from '../partitionCheck.js';
import { runService } from '../runService.js';
import { partitionsOptions } from '../partitionOptions.js';

export const modelCommand = defineCommand({
  name: 'model',
  describe: 'predict each `features` message and publish it to `y_pred`',
  options: { ...transportOptions, ...modelOptions, ...driftOptions, ...metricsOptions, ...partitionsOptions },
  handler: async (args) => {
    const model = await readModel(args.model);
    await checkPartitionCount(args, args.partitions);
    return runService({
      name: 'model',
      args,
      start: (transport, signal, terminal) => {
        const drift = driftReporterFor(model, args, transport, terminal.log);
        return Promise.resolve(
          modelService(transport, model, {
            signal,
            partitions: args.partitions,
            ...(drift ? { drift } : {}),
          }),
        );
      },
    });
  },
});
