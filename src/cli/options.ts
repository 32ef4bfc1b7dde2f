/**
 * Options shared by the commands, in groups, each with its check. Every default is read from the code the option
 * configures (the services, the histogram, the paths), so the CLI and the library cannot drift apart. Every
 * option can also be set as PIPELINE_<OPTION> (see env.ts); the variables the original services used
 * (CSV_FILE, IMG_FILE, MODEL_FILE) keep working as defaults.
 */
import { DEFAULT_WINDOW_SIZE } from '../core/quality.js';
import { DEFAULT_TRACE_MAX_BYTES } from '../files/traceLog.js';
import { FEATURES_DEFAULTS } from '../services/features.js';
import { METRIC_DEFAULTS, type MetricServiceOptions } from '../services/metric.js';
import { PLOT_DEFAULTS } from '../services/plotDefaults.js';
import type { PlotterOptions } from '../services/plot.js';
import { NATS_MODES, TRANSPORT_KINDS, type TransportKind } from '../transports/createTransport.js';
import { NATS_DEFAULTS, STREAM_REPLICAS, streamReplicas } from '../transports/nats/options.js';
import { AMQP_DEFAULTS } from '../transports/amqp/options.js';
import { QUEUE_TYPES } from '../transports/amqp/topology.js';
import { integer, positive, positiveInteger, type CliOption } from './command.js';
import { durationOption } from './durationOption.js';
import {
  DEFAULT_DATASET,
  DEFAULT_LOG_DIR,
  DEFAULT_MODEL,
  DEFAULT_TARGET,
  METRIC_LOG_NAME,
  PLOT_IMAGE_NAME,
  shippedFileShown,
  type OutputPaths,
} from './paths.js';
import { ALERTS_FILE_NAME, SUMMARY_FILE_NAME } from '../core/summaryBody.js';
import { DRIFT_DEFAULTS } from '../services/driftReporter.js';

const env = process.env;

export const transportOptions = {
  transport: {
    choices: TRANSPORT_KINDS,
    default: 'memory' as const,
    describe: 'message transport: memory (one process only), amqp (RabbitMQ) or nats',
  },
  url: {
    type: 'string',
    describe:
      'broker URL, or several, comma-separated, for a cluster [default: AMQP_URL, else ' +
      'amqp://guest:guest@$RABBITMQ_HOST:5672, else amqp://…@127.0.0.1:5672; NATS_URL, else nats://127.0.0.1:4222]',
  },
  'nats-mode': {
    choices: NATS_MODES,
    default: 'jetstream' as const,
    describe: 'nats only: jetstream (durable, at-least-once) or core (fastest, at-most-once)',
  },
  replicas: {
    type: 'number',
    default: NATS_DEFAULTS.replicas,
    describe:
      `nats jetstream only: copies of each stream the pipeline creates (${STREAM_REPLICAS.join(', ')}; above 1 ` +
      'needs a cluster); an existing stream is used as it is',
    check: (flag: string, value: unknown) => void streamReplicas(value, `--${flag}`),
  },
  'legacy-queues': {
    type: 'boolean',
    default: false,
    describe:
      'amqp only: declare plain non-durable queues like the original Python services (they and their messages ' +
      'vanish when the broker restarts)',
  },
  'queue-type': {
    choices: QUEUE_TYPES,
    default: AMQP_DEFAULTS.queueType,
    describe:
      'amqp only: type of the work and dead-letter queues; quorum replicates them over a cluster (not with ' +
      '--legacy-queues); an existing queue is used as it is',
  },
  'tls-ca': {
    type: 'string',
    describe:
      "amqps:// or nats: PEM file of the CA that signed the broker's certificate, trusted besides the system's",
  },
  'tls-cert': {
    type: 'string',
    describe:
      'amqps:// or nats: PEM file of a client certificate, for brokers that verify clients (with --tls-key)',
  },
  'tls-key': { type: 'string', describe: 'PEM file of the private key of --tls-cert' },
} as const satisfies Record<string, CliOption>;

export const outputOptions = {
  'log-dir': {
    type: 'string',
    default: DEFAULT_LOG_DIR,
    describe: `folder for ${METRIC_LOG_NAME} and ${PLOT_IMAGE_NAME}`,
  },
  'csv-file': {
    type: 'string',
    default: env.CSV_FILE,
    describe: `metric log [env CSV_FILE; default <log-dir>/${METRIC_LOG_NAME}]`,
  },
  'img-file': {
    type: 'string',
    default: env.IMG_FILE,
    describe: `error histogram PNG [env IMG_FILE; default <log-dir>/${PLOT_IMAGE_NAME}]`,
  },
} as const satisfies Record<string, CliOption>;

/** The data set and its target column, for the commands that stream it (features) or fit it (train). */
export const datasetOptions = {
  dataset: {
    type: 'string',
    default: DEFAULT_DATASET,
    defaultDescription: shippedFileShown(DEFAULT_DATASET),
    describe: 'numeric CSV data set with a header row',
  },
  target: { type: 'string', default: DEFAULT_TARGET, describe: 'column of the data set to predict' },
} as const satisfies Record<string, CliOption>;

export const featuresOptions = {
  interval: durationOption({
    default: FEATURES_DEFAULTS.intervalMs,
    describe: 'time between records; 0 = as fast as possible',
  }),
  count: {
    type: 'number',
    describe: 'stop after this many records [default: endless]',
    check: positiveInteger,
  },
  seed: { type: 'number', describe: 'seed for the choice of rows (repeatable runs)', check: integer },
  ...datasetOptions,
  'run-id': { type: 'string', describe: 'prefix of record ids [default: random per process]' },
  'inject-drift': {
    type: 'string',
    array: true,
    describe:
      'FEATURE=DELTA@RECORD: add DELTA (data set units) to FEATURE from record RECORD on (0-based sequence number); ' +
      'repeatable; in the variable, separated by ;',
  },
} as const satisfies Record<string, CliOption>;

export const modelOptions = {
  model: {
    type: 'string',
    default: env.MODEL_FILE ?? DEFAULT_MODEL,
    // MODEL_FILE is shown as it was given; only the shipped model's install path is made readable.
    defaultDescription: env.MODEL_FILE === undefined ? shippedFileShown(DEFAULT_MODEL) : undefined,
    describe: 'model file (JSON) [env MODEL_FILE]',
  },
} as const satisfies Record<string, CliOption>;

/** Drift, measured by each model replica against the model file's reference profile. */
export const driftOptions = {
  drift: {
    type: 'boolean',
    default: true,
    describe: "measure drift against the model file's reference profile (--no-drift: off)",
  },
  'drift-window': {
    type: 'number',
    default: DRIFT_DEFAULTS.window,
    describe: 'feature vectors in the drift window of each model replica',
    check: positiveInteger,
  },
} as const satisfies Record<string, CliOption>;

export const metricOptions = {
  'join-ttl': durationOption({
    default: METRIC_DEFAULTS.ttlMs,
    describe: 'how long a record waits for its partner before it is dead-lettered as unmatched',
    check: positive,
  }),
  prefetch: {
    type: 'number',
    default: METRIC_DEFAULTS.prefetch,
    describe: 'metric: messages in flight per input topic (bounds the join buffer)',
    check: positiveInteger,
  },
  fsync: {
    type: 'boolean',
    describe: 'sync the CSV to disk before acking its messages [default: on, off for memory]',
  },
} as const satisfies Record<string, CliOption>;

/** The metric service's settings from its options (the CSV's fsync: see `fsyncFor`). */
export const metricSettings = (args: {
  joinTtl: number;
  prefetch: number;
}): Pick<MetricServiceOptions, 'prefetch' | 'ttlMs'> => ({ prefetch: args.prefetch, ttlMs: args.joinTtl });

/** --fsync, else on: a crash must not lose rows whose messages were acked; off for memory, which loses all anyway. */
export const fsyncFor = (args: { fsync?: boolean | undefined; transport: TransportKind }): boolean =>
  args.fsync ?? args.transport !== 'memory';

/**
 * The quality window and the alert log: the metric computes its figures over the window and appends alert changes
 * to the log; the plot draws the same window's figures over time and marks the same alert changes.
 */
export const windowAndAlertsOptions = {
  window: {
    type: 'number',
    default: DEFAULT_WINDOW_SIZE,
    describe: 'records in the sliding window of the quality figures',
    check: positiveInteger,
  },
  'alerts-file': {
    type: 'string',
    describe: `alert changes, one JSON line each; '' for none [default: <log-dir>/${ALERTS_FILE_NAME}]`,
  },
} as const satisfies Record<string, CliOption>;

/** Model watching by the metric: quality summary, drift and alerts (the model file is `modelOptions`'). */
export const watchOptions = {
  watch: {
    type: 'boolean',
    default: true,
    describe: 'watch the model: quality summary, drift and alerts (--no-watch: the metric log only)',
  },
  ...windowAndAlertsOptions,
  alert: {
    type: 'string',
    array: true,
    describe:
      'alert rule, e.g. "window.mae > 60 for 30s" (repeatable; in the variable, rules separated by ;) ' +
      '[default: psi.* > 0.2, and window.mae > 1.5 * reference.mae when the model has a reference]',
  },
  'summary-file': {
    type: 'string',
    default: env.SUMMARY_FILE,
    describe: `quality summary (JSON), rewritten about once a second; '' for none [env SUMMARY_FILE; default: <log-dir>/${SUMMARY_FILE_NAME}]`,
  },
} as const satisfies Record<string, CliOption>;

/** The metric's trace of the messages it consumes. */
export const traceOptions = {
  'trace-file': {
    type: 'string',
    describe:
      'append every y_true and y_pred message taken, one line each (time topic id body) [default: off]',
  },
  'trace-max-bytes': {
    type: 'number',
    default: DEFAULT_TRACE_MAX_BYTES,
    describe: 'size in bytes at which the trace file moves to <file>.1 and starts again',
    check: positiveInteger,
  },
} as const satisfies Record<string, CliOption>;

export const plotOptions = {
  bins: { type: 'number', default: PLOT_DEFAULTS.bins, describe: 'histogram bins', check: positiveInteger },
  'plot-interval': durationOption({
    default: PLOT_DEFAULTS.intervalMs,
    describe: 'time between plot refreshes',
    check: positive,
  }),
} as const satisfies Record<string, CliOption>;

/** The plotter's settings from the output paths and the plot options. */
export const plotterSettings = (paths: OutputPaths, args: { bins: number }): PlotterOptions => ({
  csvFile: paths.csvFile,
  imgFile: paths.imgFile,
  bins: args.bins,
});
