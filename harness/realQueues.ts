/**
 * The real topics of the wire contract (`features`, `y_true`, `y_pred`), for the end-to-end tests that must use
 * them because the processes and pika scripts they run use them: a lock between test files (node --test runs
 * files in parallel processes), a reset, and the figures the brokers report: RabbitMQ's queues as amqplib and
 * rabbitmqctl see them, and the JetStream streams and durable consumers NATS keeps for them (`PIPELINE_features`…,
 * which store the subjects `pipeline.features`…: see src/transports/nats/names.ts).
 *
 * One lock covers both brokers: every test file that uses these names, on RabbitMQ or on NATS, takes it first:
 * test/e2e/amqpProcesses.test.ts, test/e2e/natsProcesses.test.ts, test/e2e/amqpPartitions.test.ts,
 * test/e2e/natsPartitions.test.ts, test/e2e/pika.test.ts, test/e2e/deadLetters.test.ts,
 * test/e2e/deadLetterReplayKill.test.ts, test/e2e/prometheus.test.ts, test/e2e/watchProcesses.test.ts and
 * test/compose/compose.test.ts; outside test/, the fault rig (faults/support/rig.ts) and the bench
 * (bench/support/brokerAdmin.ts) take it too.
 */
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { connect, type JetStreamManager } from 'nats';
import { deadLetterTopicName, QUEUE_TOPICS } from '../src/core/topics.js';
import { streamName } from '../src/transports/nats/names.js';
import { NATS_DEFAULTS } from '../src/transports/nats/options.js';
import { jsErrorCode, STREAM_NOT_FOUND } from '../src/transports/nats/jsErrors.js';
import { NATS_URL } from './brokers.js';
import { sleep } from './poll.js';
import { deleteTopics, withRawChannel } from './amqpBroker.js';

export const REAL_QUEUES: readonly string[] = QUEUE_TOPICS.map((t) => t.name);
/** The real queues and their dead-letter queues. */
export const REAL_QUEUES_AND_DEAD_LETTERS: readonly string[] = [
  ...REAL_QUEUES,
  ...REAL_QUEUES.map(deadLetterTopicName),
];

// The name predates the NATS tests; it stays, so that a checkout with the old name and this one still exclude each other.
const LOCK_DIR = join(tmpdir(), 'rx-ml-pipeline-real-amqp-queues.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock left by a test process that died without releasing it. */
async function stale(): Promise<boolean> {
  const owner = Number(await readFile(join(LOCK_DIR, 'owner'), 'utf8').catch(() => ''));
  if (Number.isInteger(owner) && owner > 0) return !alive(owner);
  // No owner yet: either being created this instant, or its creator died in between.
  const made = await stat(LOCK_DIR).catch(() => undefined);
  return made !== undefined && Date.now() - made.mtimeMs > 10_000;
}

/**
 * Waits (at most `timeoutMs`) until no other test process uses the real queues or streams (of either broker),
 * then holds them until the returned release function is called (also released if this process exits).
 */
export async function lockRealQueues(timeoutMs = 180_000): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (await stale()) await rm(LOCK_DIR, { recursive: true, force: true });
      else if (Date.now() > deadline)
        throw new Error(`the real queues and streams stayed locked (${LOCK_DIR}) for ${timeoutMs} ms`);
      else await sleep(250);
    }
  }
  await writeFile(join(LOCK_DIR, 'owner'), String(process.pid));
  const onExit = (): void => rmSync(LOCK_DIR, { recursive: true, force: true });
  process.once('exit', onExit);
  return async () => {
    process.off('exit', onExit);
    await rm(LOCK_DIR, { recursive: true, force: true });
  };
}

export interface QueueCheck {
  /** Ready messages (amqplib's checkQueue cannot see unacked ones: those belong to live consumers). */
  readonly messages: number;
  readonly consumers: number;
}

/** checkQueue of each queue; `undefined` for a queue that does not exist. */
export async function checkQueues(names: readonly string[]): Promise<Map<string, QueueCheck | undefined>> {
  const out = new Map<string, QueueCheck | undefined>();
  for (const name of names) {
    // A fresh connection each time: checking a missing queue closes the channel with 404.
    const ok = await withRawChannel((ch) => ch.checkQueue(name)).catch(() => undefined);
    out.set(name, ok && { messages: ok.messageCount, consumers: ok.consumerCount });
  }
  return out;
}

/**
 * Deletes the real queues and their dead-letter queues, so that a test starts from nothing (the next declaration,
 * ours or a pika script's, decides their arguments). Refuses, deleting nothing, while another process consumes
 * them: a test run beside another one (one that does not take the lock) must fail, not wreck the other.
 */
export async function resetRealQueues(): Promise<void> {
  const inUse = async (): Promise<void> => {
    for (const [name, q] of await checkQueues(REAL_QUEUES))
      if (q && q.consumers > 0)
        throw new Error(
          `queue '${name}' has ${q.consumers} consumer(s): another process (a pipeline service, a pika script, ` +
            'another test) uses the real queues; stop it, then run the test again',
        );
  };
  await inUse();
  await deleteTopics([...REAL_QUEUES]);
  // A consumer that outlived its test re-declares its queue at once, and would steal the test's messages.
  await sleep(300);
  await inUse();
}

/**
 * The rabbitmqctl program, when installed (in sbin, often not on a user's PATH) and allowed to talk to the node.
 * Installed but refused (e.g. no access to the Erlang cookie): a warning and undefined, or a throw under
 * REQUIRE_BROKERS=1.
 */
export async function usableRabbitmqctl(): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/lib/rabbitmq/bin'];
  const program = dirs
    .filter((dir) => dir.startsWith('/'))
    .map((dir) => join(dir, 'rabbitmqctl'))
    .find((p) => existsSync(p));
  if (!program) return undefined;
  try {
    await rabbitmqctlQueues(program);
    return program;
  } catch (e) {
    const why = `${program} is installed but failed: ${(e as Error).message.split('\n')[0]}`;
    if (process.env.REQUIRE_BROKERS === '1') throw new Error(why);
    process.stderr.write(`\n!!!!!!!!!! ${why}; checking queues through amqplib only !!!!!!!!!!\n`);
    return undefined;
  }
}

export interface QueueFigures {
  readonly ready: number;
  readonly unacked: number;
  readonly durable: boolean;
}

/**
 * `rabbitmqctl list_queues name messages_ready messages_unacknowledged durable`, parsed. Rejects when rabbitmqctl
 * fails (not installed, no right to talk to the node).
 */
export async function rabbitmqctlQueues(program: string): Promise<Map<string, QueueFigures>> {
  const { stdout } = await promisify(execFile)(
    program,
    ['-q', 'list_queues', 'name', 'messages_ready', 'messages_unacknowledged', 'durable'],
    { timeout: 30_000 },
  );
  const out = new Map<string, QueueFigures>();
  for (const line of stdout.split('\n')) {
    const [name, ready, unacked, durable] = line.trim().split('\t');
    if (!name || ready === undefined || !/^\d+$/.test(ready)) continue;
    out.set(name, { ready: Number(ready), unacked: Number(unacked), durable: durable === 'true' });
  }
  return out;
}

/** The JetStream streams of the real topics and of their dead letters, named as the services name them. */
export const REAL_STREAMS: readonly string[] = REAL_QUEUES.flatMap((topic) =>
  (['queue', 'deadLetter'] as const).map((kind) => streamName(NATS_DEFAULTS.streamPrefix, topic, kind)),
);

/** One durable consumer of a real stream, as `jsm.consumers.info` reports it. */
export interface ConsumerFigures {
  readonly stream: string;
  readonly consumer: string;
  /** Messages of the stream not yet delivered to it. */
  readonly pending: number;
  /** Delivered and not yet acknowledged. */
  readonly ackPending: number;
  /** Pull requests waiting at the server: someone pulls from it right now. */
  readonly waiting: number;
  readonly redelivered: number;
}

export interface StreamFigures {
  /** Messages stored in each real stream that exists (a work-queue stream drops a message once it is acked). */
  readonly messages: ReadonlyMap<string, number>;
  readonly consumers: readonly ConsumerFigures[];
}

async function withJsm<T>(url: string, use: (jsm: JetStreamManager) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: url, name: 'rx-ml-pipeline-tests' });
  try {
    return await use(await nc.jetstreamManager());
  } finally {
    await nc.close();
  }
}

async function readStreams(jsm: JetStreamManager): Promise<StreamFigures> {
  const messages = new Map<string, number>();
  const consumers: ConsumerFigures[] = [];
  for await (const s of jsm.streams.list()) {
    const stream = s.config.name;
    if (!REAL_STREAMS.includes(stream)) continue;
    messages.set(stream, s.state.messages);
    const names: string[] = [];
    for await (const c of jsm.consumers.list(stream)) names.push(c.name);
    for (const consumer of names) {
      const ci = await jsm.consumers.info(stream, consumer);
      consumers.push({
        stream,
        consumer,
        pending: ci.num_pending,
        ackPending: ci.num_ack_pending,
        waiting: ci.num_waiting,
        redelivered: ci.num_redelivered,
      });
    }
  }
  return { messages, consumers };
}

/** The real streams that exist and their durable consumers, read through the nats client. */
export function realStreams(url = NATS_URL): Promise<StreamFigures> {
  return withJsm(url, readStreams);
}

/**
 * Deletes the real streams, their dead-letter streams and with them their durable consumers, so that a test
 * starts from nothing. Refuses, deleting nothing, while someone pulls from them: a test run beside another one
 * (one that does not take the lock) must fail, not wreck the other. Core NATS subscribers leave no trace the
 * client can see: a core-mode run beside another one shows up as missing rows instead.
 */
export async function resetRealStreams(url = NATS_URL): Promise<void> {
  await withJsm(url, async (jsm) => {
    const inUse = async (): Promise<void> => {
      const busy = (await readStreams(jsm)).consumers.filter((c) => c.waiting > 0);
      if (busy.length > 0)
        throw new Error(
          `pull requests are waiting on ${busy.map((c) => `consumer '${c.consumer}' of ${c.stream}`).join(', ')}: ` +
            'another process (a pipeline service, a benchmark, another test) uses the real streams; stop it, ' +
            'then run the test again',
        );
    };
    await inUse();
    for (const name of REAL_STREAMS)
      await jsm.streams.delete(name).catch((e: unknown) => {
        if (jsErrorCode(e) !== STREAM_NOT_FOUND) throw e;
      });
    // A consumer that outlived its test re-creates its stream and consumer at once, and would steal messages.
    await sleep(300);
    await inUse();
  });
}
