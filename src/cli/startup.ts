/**
 * Start-up pieces the commands share: settings from parsed options, loading the data set and model with a check
 * that they fit each other, and opening the transport with the process's logger.
 */
import type { Logger } from '../core/log.js';
import type { Transport } from '../core/transport.js';
import type { Dataset } from '../core/dataset.js';
import type { LinearModel } from '../core/linearModel.js';
import { createTransport, type NatsMode, type TransportKind } from '../transports/createTransport.js';
import { readDataset } from '../files/readDataset.js';
import { readModel } from '../files/readModel.js';

export interface TransportArgs {
  readonly transport: TransportKind;
  readonly url?: string | undefined;
  readonly natsMode: NatsMode;
  readonly replicas: number;
  readonly legacyQueues: boolean;
}

/** The transport the options choose; it logs (reconnects, errors) through `logger`. */
export function openTransport(args: TransportArgs, logger: Logger): Promise<Transport> {
  return createTransport({
    kind: args.transport,
    url: args.url,
    natsMode: args.natsMode,
    replicas: args.replicas,
    legacyQueues: args.legacyQueues,
    logger,
  });
}

/** The memory transport lives inside one process: a lone service on it would wait forever for its partners. */
export function refuseLoneMemoryService(args: TransportArgs, command: string): void {
  if (args.transport === 'memory')
    throw new Error(
      `pipeline ${command} runs one service; with --transport=memory it could talk to no other service. ` +
        'Use `pipeline --transport=memory` for everything in one process, or --transport=amqp|nats.',
    );
}

export async function loadDatasetAndModel(
  datasetPath: string,
  target: string,
  modelPath: string,
): Promise<{ dataset: Dataset; model: LinearModel }> {
  const [dataset, model] = await Promise.all([readDataset(datasetPath, target), readModel(modelPath)]);
  if (dataset.featureNames.length !== model.features.length)
    throw new Error(
      `the model ${modelPath} expects ${model.features.length} features (${model.features.join(', ')}), but the data ` +
        `set ${datasetPath} has ${dataset.featureNames.length} (${dataset.featureNames.join(', ')}): train a model ` +
        `for it with \`pipeline train --dataset ${datasetPath} --target ${target} --out <file>\``,
    );
  return { dataset, model };
}
