/**
 * Start-up pieces the commands share: settings from parsed options, loading the data set and model with a check
 * that they fit each other, and opening the transport with the process's logger.
 */
import type { Logger } from '../core/log.js';
import { PermanentConnectionError } from '../core/connectionFailure.js';
import type { Transport } from '../core/transport.js';
import type { Dataset } from '../core/dataset.js';
import type { LinearModel } from '../core/linearModel.js';
import {
  createTransport,
  type BrokerSettings,
  type NatsMode,
  type TransportKind,
} from '../transports/createTransport.js';
import type { QueueType } from '../transports/amqp/topology.js';
import { readDataset } from '../files/readDataset.js';
import { readModel } from '../files/readModel.js';
import { exitOnPermanentFailure } from './permanentFailure.js';
import { readTlsFiles, type TlsArgs } from './tlsFiles.js';

export interface TransportArgs extends TlsArgs {
  readonly transport: TransportKind;
  readonly url?: string | undefined;
  readonly natsMode: NatsMode;
  readonly replicas: number;
  readonly legacyQueues: boolean;
  readonly queueType: QueueType;
}

/**
 * The broker the options name, as every client of it takes it (the transport, the partition count check, the
 * dead-letter store). Rejects when a TLS file cannot be read (a usage error).
 */
export async function brokerSettings(args: TransportArgs): Promise<BrokerSettings> {
  return {
    kind: args.transport,
    url: args.url,
    natsMode: args.natsMode,
    replicas: args.replicas,
    legacyQueues: args.legacyQueues,
    queueType: args.queueType,
    tls: args.transport === 'memory' ? undefined : await readTlsFiles(args),
  };
}

/**
 * The transport the options choose; it logs (reconnects, errors) through `logger`. A connection that can never
 * succeed ends the process with EXIT_PERMANENT_CONNECTION_FAILURE, unless `onPermanentFailure` handles it (a
 * full-screen dashboard must close its screen first); unreadable TLS files reject (a usage error).
 */
export async function openTransport(
  args: TransportArgs,
  logger: Logger,
  onPermanentFailure: (failure: PermanentConnectionError) => void = exitOnPermanentFailure(logger),
): Promise<Transport> {
  const settings = await brokerSettings(args);
  try {
    return await createTransport({ ...settings, onPermanentFailure, logger });
  } catch (e) {
    // A URL that cannot be used is found before any connection (nothing on screen yet): the same exit as a refusal.
    if (e instanceof PermanentConnectionError) exitOnPermanentFailure(logger)(e);
    throw e;
  }
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
