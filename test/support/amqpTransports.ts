/**
 * RabbitMQ transports for the transport tests against the real broker (test/transports/amqp*.test.ts): the options
 * they share, the conformance features the classic and quorum runs declare alike, and a scratch set of transports,
 * inboxes and uniquely named topics that one `after` closes and deletes. A test file imports these rather than
 * another test file, which would run that file's suites a second time.
 */
import { after } from 'node:test';
import type { LogLevel } from '../../src/core/log.js';
import type { Transport } from '../../src/core/transport.js';
import { createAmqpTransport, type AmqpTransportOptions } from '../../src/transports/amqp/index.js';
import { AMQP_URL } from '../../harness/brokers.js';
import { deleteTopics } from '../../harness/amqpBroker.js';
import type { TransportFeatures } from '../transports/conformance.js';
import { Inbox } from '../transports/conformanceHelpers.js';

/** Log lines go nowhere unless AMQP_TEST_LOG=1: reconnect tests warn on purpose. */
const testLogger = (level: LogLevel, message: string): void => {
  if (process.env.AMQP_TEST_LOG === '1') process.stderr.write(`[amqp test] ${level}: ${message}\n`);
};

/** The real broker, quick reconnects and a bounded close; `extra` overrides any of them. */
export const amqpTestOptions = (extra: AmqpTransportOptions = {}): AmqpTransportOptions => ({
  url: AMQP_URL,
  logger: testLogger,
  reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
  closeTimeoutMs: 5000,
  ...extra,
});

/** What the RabbitMQ transport does, with classic queues as with quorum ones. */
export const AMQP_FEATURES: TransportFeatures = {
  persistent: true,
  orderedFromOneProducer: true,
  workQueue: true,
  broadcast: true,
  redeliversOnNack: true,
  redeliversUnackedOnConsumerDeath: true,
  deadLetters: true,
  reconnects: true,
  cleanup: deleteTopics,
};

export interface AmqpScratch {
  /** A topic name no other test uses (prefixed, time- and random-suffixed), deleted after the file's tests. */
  readonly unique: (label: string) => string;
  /** A transport whose log lines are kept for assertions, closed after the file's tests. */
  readonly open: (options?: AmqpTransportOptions) => Promise<{ t: Transport; lines: string[] }>;
  /** An inbox stopped after the file's tests. */
  readonly inbox: (...args: ConstructorParameters<typeof Inbox>) => Inbox;
}

/**
 * Registers an `after` in the calling file (or `describe`) that stops the inboxes, closes the transports and,
 * unless `skip`, deletes the topics it handed out. `base` goes under every `open`'s options.
 */
export function amqpScratch(
  prefix: string,
  skip: string | false,
  base: AmqpTransportOptions = {},
): AmqpScratch {
  const topics: string[] = [];
  const transports: Transport[] = [];
  const inboxes: Inbox[] = [];
  after(async () => {
    for (const i of inboxes) i.stop();
    await Promise.allSettled(transports.map((t) => t.close()));
    if (!skip) await deleteTopics(topics);
  });
  return {
    unique: (label) => {
      const name = `${prefix}.${label}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      topics.push(name);
      return name;
    },
    open: async (options = {}) => {
      const lines: string[] = [];
      const t = await createAmqpTransport({
        ...amqpTestOptions({ ...base, ...options }),
        logger: (level, message) => lines.push(`${level}: ${message}`),
      });
      transports.push(t);
      return { t, lines };
    },
    inbox: (...args) => {
      const i = new Inbox(...args);
      inboxes.push(i);
      return i;
    },
  };
}
