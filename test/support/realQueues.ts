/**
 * The real RabbitMQ queues of the wire contract (`features`, `y_true`, `y_pred`), for the end-to-end tests that
 * must use them because the processes and pika scripts they run use them: a lock between test files (node --test
 * runs files in parallel processes), a reset, and the queues' counts as amqplib and rabbitmqctl report them.
 *
 * Every test file that uses these names takes the lock first: test/e2e/amqp-processes.test.ts and
 * test/e2e/pika.test.ts.
 */
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { deadLetterTopicName, FEATURES, Y_PRED, Y_TRUE } from '../../src/core/topics.js';
import { deleteTopics, withRawChannel } from '../transports/amqpBroker.js';

export const REAL_QUEUES: readonly string[] = [FEATURES.name, Y_TRUE.name, Y_PRED.name];
/** The real queues and their dead-letter queues. */
export const REAL_QUEUES_AND_DEAD_LETTERS: readonly string[] = [
  ...REAL_QUEUES,
  ...REAL_QUEUES.map(deadLetterTopicName),
];

const LOCK_DIR = join(tmpdir(), 'rx-ml-pipeline-real-amqp-queues.lock');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
 * Waits (at most `timeoutMs`) until no other test process uses the real queues, then holds them until the
 * returned release function is called (also released if this process exits).
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
        throw new Error(`the real RabbitMQ queues stayed locked (${LOCK_DIR}) for ${timeoutMs} ms`);
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
