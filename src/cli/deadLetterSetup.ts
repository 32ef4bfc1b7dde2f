/**
 * What the `pipeline dead-letters` commands share: their options, and running one action against the broker's
 * dead-letter store with the exit codes of the family: 0 done, 2 bad usage (including a transport that keeps no
 * dead letters), 1 the broker failed.
 */
import { errorMessage } from '../core/errors.js';
import type { DeadLetterStore } from '../core/deadLetterStore.js';
import { partitionTopicNamed } from '../core/partitions.js';
import { QUEUE_TOPICS, type Topic } from '../core/topics.js';
import { noStoreReason, openDeadLetterStore } from '../transports/openDeadLetterStore.js';
import { positiveInteger, type CliOption } from './command.js';
import { transportOptions } from './options.js';
import { brokerSettings, type TransportArgs } from './startup.js';
import type { BrokerSettings } from '../transports/createTransport.js';
import { resolveAmqpUrls, tlsFor } from '../transports/amqp/options.js';

/** Exit codes of the dead-letters commands. */
export const EXIT_OK = 0;
export const EXIT_BROKER = 1;
export const EXIT_USAGE = 2;

/** Most dead letters one run reads and leaves in place, unless --scan says otherwise. */
export const DEFAULT_SCAN = 10_000;

const reasonCheck = (flag: string, value: unknown): void => {
  if (value !== undefined && (typeof value !== 'string' || !/^[a-z][a-z0-9_]*$/.test(value)))
    throw new Error(
      `--${flag} takes a reason code such as not_json or unmatched, got ${JSON.stringify(value)}`,
    );
};

export const deadLetterOptions = {
  ...transportOptions,
  topic: {
    type: 'string',
    demandOption: true,
    describe: `the queue topic whose dead letters to work on: ${QUEUE_TOPICS.map((t) => t.name).join(', ')}, or a partition's (y_true.<p>, y_pred.<p>)`,
    check: (flag: string, value: unknown) => void (typeof value === 'string' && topicNamed(value)),
  },
  scan: {
    type: 'number',
    default: DEFAULT_SCAN,
    describe:
      'most dead letters read and left in place in one run (list counts reasons over them; --reason passes ' +
      'over at most this many others)',
    check: positiveInteger,
  },
} as const satisfies Record<string, CliOption>;

/** Only the dead letters with this reason code (as `list` shows them). */
export const reasonOption = {
  type: 'string',
  describe: 'only the dead letters with this reason code, e.g. unmatched or not_json',
  check: reasonCheck,
} as const satisfies CliOption;

export const topicNamed = (name: string): Topic => {
  const topic = QUEUE_TOPICS.find((t) => t.name === name) ?? partitionTopicNamed(name);
  if (topic === undefined)
    throw new Error(
      `--topic must be one of ${QUEUE_TOPICS.map((t) => t.name).join(', ')} or a partition's (y_true.<p>, y_pred.<p>), got ${name}`,
    );
  return topic;
};

/** Prints a line to stdout. */
export const say = (line: string): void => void process.stdout.write(`${line}\n`);
/** Prints a line to stderr, prefixed. */
export const complain = (line: string): void => void process.stderr.write(`pipeline dead-letters: ${line}\n`);

/** Opens the store the options name, runs `action` on it, closes it; maps failures to exit codes. */
export async function withDeadLetterStore(
  args: TransportArgs,
  action: (store: DeadLetterStore) => Promise<number>,
): Promise<number> {
  const refused = noStoreReason({ kind: args.transport, natsMode: args.natsMode });
  if (refused !== undefined) {
    complain(`${refused}; use --transport=amqp or --transport=nats (JetStream)`);
    return EXIT_USAGE;
  }
  let settings: BrokerSettings;
  try {
    settings = await brokerSettings(args);
    // As for the services: TLS material with an amqp:// URL would go unused.
    if (args.transport === 'amqp')
      for (const url of resolveAmqpUrls(args.url, process.env)) tlsFor(url, settings.tls);
  } catch (e) {
    // Found before any connection: a setting to fix, not a broker failure.
    complain(errorMessage(e));
    return EXIT_USAGE;
  }
  let store: DeadLetterStore | undefined;
  try {
    store = await openDeadLetterStore(settings);
    return await action(store);
  } catch (e) {
    complain(`${args.transport} failed: ${errorMessage(e)}`);
    return EXIT_BROKER;
  } finally {
    await store?.close().catch(() => undefined);
  }
}
