/**
 * Runs one raw-broker ceiling: the consumer process, then (once it is ready) the publisher process, and reads
 * how fast the consumer received. Queues and streams are named for the run, never after a pipeline topic, so a
 * raw run can share the broker with anything.
 */
import { ServiceProcesses } from '../../harness/serviceProcesses.js';
import type { RawReport } from '../raw/args.js';
import { removeRawTopic } from './brokerAdmin.js';
import { AMQP_URL, benchScript, NATS_URL } from './launch.js';
import type { BrokerTransport } from './options.js';

export interface RawRunResult {
  /** Messages per second as the consumer received them, from its first message to its last. */
  readonly messagesPerS: number;
  readonly received: number;
  /** Messages published but never received (core NATS is at-most-once). */
  readonly lost: number;
}

function lastJsonLine(stdout: string): RawReport {
  const line = stdout.trimEnd().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as RawReport;
  } catch {
    throw new Error(`a raw script ended without its report; last line: ${line.slice(0, 200)}`);
  }
}

/** Moves `count` messages of `sizes` (cycled) through the broker of `t`; rejects after `timeoutMs`. */
export async function rawRun(
  t: BrokerTransport,
  count: number,
  sizes: readonly number[],
  timeoutMs: number,
): Promise<RawRunResult> {
  const name = `bench_raw_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();
  const script = t === 'amqp' ? 'raw/amqp' : 'raw/nats';
  const common = [
    `--url=${t === 'amqp' ? AMQP_URL : NATS_URL}`,
    `--name=${name}`,
    `--count=${count}`,
    `--sizes=${sizes.join(',')}`,
    ...(t === 'amqp' ? [] : [`--mode=${t === 'nats' ? 'jetstream' : 'core'}`]),
  ];
  const procs = new ServiceProcesses(10_000);
  try {
    procs.start('consumer', benchScript(script, ['--role=consume', ...common]));
    await procs.waitForOutput('consumer', /^ready$/m, 30_000, 'stdout');
    procs.start('publisher', benchScript(script, ['--role=publish', ...common]));
    await procs.waitForExit('consumer', timeoutMs);
    const consumed = lastJsonLine(procs.run('consumer').stdout);
    if (consumed.role !== 'consume') throw new Error('the consumer printed a publisher report');
    const { received, firstAtMs, lastAtMs } = consumed;
    if (received < 2 || firstAtMs === null || lastAtMs === null || lastAtMs <= firstAtMs)
      throw new Error(`the raw consumer received ${received} of ${count} messages`);
    return {
      messagesPerS: ((received - 1) * 1000) / (lastAtMs - firstAtMs),
      received,
      lost: count - received,
    };
  } finally {
    await procs.stopAll();
    await removeRawTopic(t, name).catch(() => undefined);
  }
}
