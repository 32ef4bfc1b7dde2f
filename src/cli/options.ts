/**
 * Options shared by the commands, each with its environment variable. Every option can also be set as
 * PIPELINE_<OPTION> (yargs `.env('PIPELINE')`); the variables the original services used keep working.
 */
import type { Options } from 'yargs';
import { NATS_MODES, TRANSPORT_KINDS } from '../transports/createTransport.js';
import { DEFAULT_DATASET, DEFAULT_MODEL } from './paths.js';

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
      'broker URL [default: AMQP_URL, else amqp://guest:guest@$RABBITMQ_HOST:5672, else amqp://…@127.0.0.1:5672; ' +
      'NATS_URL, else nats://127.0.0.1:4222]',
  },
  'nats-mode': {
    choices: NATS_MODES,
    default: 'jetstream' as const,
    describe: 'nats only: jetstream (durable, at-least-once) or core (fastest, at-most-once)',
  },
  'legacy-queues': {
    type: 'boolean',
    default: false,
    describe:
      'amqp only: declare plain non-durable queues like the original Python services (they and their messages ' +
      'vanish when the broker restarts)',
  },
} as const satisfies Record<string, Options>;

export const outputOptions = {
  'log-dir': {
    type: 'string',
    default: 'logs',
    describe: 'folder for metric_log.csv and error_distribution.png',
  },
  'csv-file': {
    type: 'string',
    default: env.CSV_FILE,
    describe: 'metric log [env CSV_FILE; default <log-dir>/metric_log.csv]',
  },
  'img-file': {
    type: 'string',
    default: env.IMG_FILE,
    describe: 'error histogram PNG [env IMG_FILE; default <log-dir>/error_distribution.png]',
  },
} as const satisfies Record<string, Options>;

export const featuresOptions = {
  interval: {
    type: 'number',
    default: 1000,
    describe: 'milliseconds between records; 0 = as fast as possible',
  },
  count: { type: 'number', describe: 'stop after this many records [default: endless]' },
  seed: { type: 'number', describe: 'seed for the choice of rows (repeatable runs)' },
  dataset: { type: 'string', default: DEFAULT_DATASET, describe: 'numeric CSV data set to stream' },
  target: { type: 'string', default: 'target', describe: 'name of the target column in the data set' },
  'run-id': { type: 'string', describe: 'prefix of record ids [default: random per process]' },
} as const satisfies Record<string, Options>;

export const modelOptions = {
  model: {
    type: 'string',
    default: env.MODEL_FILE ?? DEFAULT_MODEL,
    describe: 'model file (JSON) [env MODEL_FILE]',
  },
} as const satisfies Record<string, Options>;

export const metricOptions = {
  'join-ttl': {
    type: 'number',
    default: 60_000,
    describe: 'ms a record waits for its partner before it is dead-lettered as unmatched',
  },
  prefetch: {
    type: 'number',
    default: 2_000,
    describe: 'metric: messages in flight per input topic (bounds the join buffer)',
  },
  fsync: {
    type: 'boolean',
    describe: 'sync the CSV to disk before acking its messages [default: on, off for memory]',
  },
} as const satisfies Record<string, Options>;

export const plotOptions = {
  bins: { type: 'number', default: 20, describe: 'histogram bins' },
  'plot-interval': { type: 'number', default: 2000, describe: 'ms between plot refreshes' },
} as const satisfies Record<string, Options>;

export const positive = (name: string, value: number | undefined, allowZero = false): void => {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0))
    throw new Error(
      `--${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`,
    );
};

/**
 * Lets every option of a command be set as PIPELINE_<OPTION> (e.g. PIPELINE_JOIN_TTL for --join-ttl), by
 * turning the variable into the option's default. Unlike yargs' `.env()`, a variable meant for another command
 * is ignored rather than refused by `.strict()`, so one environment can serve every service. A value that does
 * not fit its option is an error that names the variable.
 */
export function withEnv<O extends Record<string, Options>>(
  options: O,
  env: NodeJS.ProcessEnv = process.env,
): O {
  const out: Record<string, Options> = {};
  for (const [key, option] of Object.entries(options)) {
    const name = `PIPELINE_${key.replace(/-/g, '_').toUpperCase()}`;
    const raw = env[name];
    const describe = `${option.describe ?? ''} [env ${name}]`;
    out[key] =
      raw === undefined || raw === ''
        ? { ...option, describe }
        : { ...option, describe, default: fromEnv(name, raw, option) };
  }
  return out as O;
}

function fromEnv(name: string, raw: string, option: Options): string | number | boolean {
  if (option.type === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new Error(`${name}=${raw} is not a number`);
    return n;
  }
  if (option.type === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new Error(`${name}=${raw} is not a boolean (true/false, 1/0, yes/no, on/off)`);
  }
  const choices = option.choices as readonly unknown[] | undefined;
  if (choices && !choices.includes(raw))
    throw new Error(`${name}=${raw} is not one of ${choices.join(', ')}`);
  return raw;
}
