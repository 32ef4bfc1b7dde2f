/**
 * The metric partitioned by record id over NATS JetStream: the one-process pipeline with two partitions logs
 * every id once, in the log of its partition. `features` is a real stream of the wire contract, so the test
 * takes the real topics' lock and resets them; the partition streams it creates are deleted before and after.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { partitionOf, partitionTopics } from '../../src/core/partitions.js';
import { Y_PRED, Y_TRUE } from '../../src/core/topics.js';
import { streamName } from '../../src/transports/nats/names.js';
import { NATS_DEFAULTS } from '../../src/transports/nats/options.js';
import { NATS_URL, brokerReachable } from '../../harness/brokers.js';
import { runCli } from '../../harness/cli.js';
import { lockRealQueues, resetRealStreams } from '../../harness/realQueues.js';

const PARTITIONS = 2;
const RECORDS = 500;
const partitionStreams = [Y_TRUE, Y_PRED]
  .flatMap((t) => partitionTopics(t, PARTITIONS))
  .flatMap((t) =>
    (['queue', 'deadLetter'] as const).map((k) => streamName(NATS_DEFAULTS.streamPrefix, t.name, k)),
  );

async function deletePartitionStreams(): Promise<void> {
  const nc = await connect({ servers: NATS_URL, name: 'rx-ml-pipeline-tests' });
  try {
    const jsm = await nc.jetstreamManager();
    for (const name of partitionStreams) await jsm.streams.delete(name).catch(() => false); // missing: fine
  } finally {
    await nc.close();
  }
}

describe('metric partitions over NATS JetStream', () => {
  let skip: string | false = false;
  let unlock: (() => Promise<void>) | undefined;
  let dir = '';

  before(async () => {
    skip = await brokerReachable('nats', NATS_URL);
    dir = await mkdtemp(join(tmpdir(), 'nats-partitions-'));
    if (skip) return;
    unlock = await lockRealQueues();
    await resetRealStreams();
    await deletePartitionStreams();
  });

  after(async () => {
    try {
      if (unlock) {
        await resetRealStreams();
        await deletePartitionStreams();
      }
    } finally {
      await unlock?.();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it(
    'the one-process pipeline with two partitions logs every id once, in its partition',
    { timeout: 90_000 },
    async (t) => {
      if (skip) return t.skip(skip);
      const r = await runCli(
        [
          '--transport=nats',
          '--url',
          NATS_URL,
          '--partitions',
          String(PARTITIONS),
          '--interval',
          '0',
          '--count',
          String(RECORDS),
          '--log-dir',
          dir,
          '--no-dashboard',
        ],
        { timeoutMs: 80_000 },
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const seen = new Set<string>();
      for (let p = 0; p < PARTITIONS; p++) {
        const ids = (await readFile(join(dir, `metric_log.${p}.csv`), 'utf8'))
          .split('\n')
          .slice(1, -1)
          .map((l) => l.split(',')[0] as string);
        for (const id of ids) {
          assert.equal(partitionOf(id, PARTITIONS), p, `${id} in the log of partition ${p}`);
          assert.ok(!seen.has(id), `${id} logged twice`);
          seen.add(id);
        }
      }
      assert.equal(seen.size, RECORDS);
    },
  );
});
