/**
 * The hooks of an end-to-end `describe` that runs the real CLI on the real topics of the wire contract: skip when
 * the broker is down, a temporary folder, and the real queues' lock (harness/realQueues.ts) held from before the
 * first test to after the last, the topics reset inside it so that no other file sees what this one left.
 */
import { after, before, type TestContext } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerReachable } from '../../harness/brokers.js';
import { lockRealQueues } from '../../harness/realQueues.js';

export interface RealTopicsOptions {
  broker: 'rabbitmq' | 'nats';
  url: string;
  /** The temporary folder's name starts with this. */
  dirPrefix: string;
  /** Removes what the suite's runs leave on the broker; called under the lock, after the processes stopped. */
  reset: () => Promise<void>;
  /** Whether to reset once the lock is taken too (a suite resetting before each of its runs need not). */
  resetFirst: boolean;
  /** Stops the suite's processes: called first in `after`, so nothing holds the topics while they are reset. */
  stopAll: () => Promise<void>;
}

export interface RealTopicsSuite {
  /** False, or why the broker cannot be used (read inside a test: the `before` hook sets it). */
  readonly skip: string | false;
  /** The temporary folder (inside a test). */
  readonly dir: string;
}

/**
 * Registers the hooks in the calling `describe`.
 *
 * @example
 * const real = onRealTopics({ broker: 'rabbitmq', url: AMQP_URL, dirPrefix: 'x-', reset: resetRealQueues,
 *   resetFirst: true, stopAll: () => procs.stopAll() });
 * it('…', async (t) => { if (real.skip) return t.skip(real.skip); … join(real.dir, 'metric_log.csv') … });
 */
export function onRealTopics(options: RealTopicsOptions): RealTopicsSuite {
  let skip: string | false = false;
  let unlock: (() => Promise<void>) | undefined;
  let dir = '';

  before(async () => {
    skip = await brokerReachable(options.broker, options.url);
    dir = await mkdtemp(join(tmpdir(), options.dirPrefix));
    if (skip) return;
    unlock = await lockRealQueues();
    if (options.resetFirst) await options.reset();
  });

  after(async () => {
    await options.stopAll();
    try {
      if (unlock) await options.reset();
    } finally {
      await unlock?.();
      await rm(dir, { recursive: true, force: true });
    }
  });

  return {
    get skip() {
      return skip;
    },
    get dir() {
      return dir;
    },
  };
}

/** A broker a suite's tests run on, one test per broker. */
export interface RealTopicsBroker {
  /** False, or why the broker cannot be used. */
  readonly reachable: () => Promise<string | false>;
  /** Empties the real topics on this broker. */
  readonly reset: () => Promise<void>;
}

/**
 * The hooks of a `describe` whose tests each run on one broker of several: the real queues' lock held from before
 * the first test to after the last, whatever the brokers are up. The returned `useBroker` starts a test: it skips
 * it (false) when the broker is down, else resets the broker's real topics and has them reset again after the
 * last test, once `stopAll` has stopped the suite's processes.
 */
export function onRealTopicsPerBroker(
  stopAll: () => Promise<void> = () => Promise.resolve(),
): (t: TestContext, broker: RealTopicsBroker) => Promise<boolean> {
  let unlock: (() => Promise<void>) | undefined;
  const resets: (() => Promise<void>)[] = [];

  before(async () => {
    unlock = await lockRealQueues();
  });

  after(async () => {
    await stopAll();
    try {
      for (const reset of resets) await reset();
    } finally {
      await unlock?.();
    }
  });

  return async (t, broker) => {
    const skip = await broker.reachable();
    if (skip) {
      t.skip(skip);
      return false;
    }
    await broker.reset();
    resets.push(broker.reset);
    return true;
  };
}
