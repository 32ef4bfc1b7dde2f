import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPartitionedLogReader, isPartitionLogOf } from '../../src/files/partitionedLogReader.js';

const HEADER = 'id,y_true,y_pred,absolute_error\n';
const row = (id: string): string => `${id},1,2,1\n`;

describe('createPartitionedLogReader', () => {
  it('tells partition logs from other files', () => {
    assert.ok(isPartitionLogOf('metric_log.csv', 'metric_log.csv'));
    assert.ok(isPartitionLogOf('metric_log.csv', 'metric_log.12.csv'));
    assert.ok(!isPartitionLogOf('metric_log.csv', 'metric_log.x.csv'));
    assert.ok(!isPartitionLogOf('metric_log.csv', 'metric_log.1.csv.tmp'));
    assert.ok(!isPartitionLogOf('metric_log.csv', 'other_log.1.csv'));
  });

  it('reads every partition log of the folder as one, including one that appears later', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'partitioned-log-'));
    try {
      await writeFile(join(dir, 'metric_log.0.csv'), HEADER + row('a') + row('b'));
      await writeFile(join(dir, 'metric_log.1.csv'), HEADER + row('c'));
      await writeFile(join(dir, 'unrelated.csv'), HEADER + row('z'));
      const reader = createPartitionedLogReader(join(dir, 'metric_log.csv'));
      const first = await reader.read();
      assert.deepEqual(first.records.map((r) => r.id).sort(), ['a', 'b', 'c']);
      assert.equal(reader.partitions, 2);
      assert.equal(first.restarted, false);
      await appendFile(join(dir, 'metric_log.1.csv'), row('d'));
      await writeFile(join(dir, 'metric_log.2.csv'), HEADER + row('e'));
      const second = await reader.read();
      assert.deepEqual(second.records.map((r) => r.id).sort(), ['d', 'e']);
      assert.equal(reader.partitions, 3);
      // One log replaced by a shorter one: every log is read again from its start.
      await writeFile(join(dir, 'metric_log.0.csv'), HEADER);
      const third = await reader.read();
      assert.equal(third.restarted, true);
      assert.deepEqual(third.records.map((r) => r.id).sort(), ['c', 'd', 'e']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('interleaves the rows the logs gained, each log in its order, so the latest rows are of every log', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'partitioned-log-'));
    try {
      const rows = (p: string, n: number): string =>
        Array.from({ length: n }, (_, i) => row(`${p}${i}`)).join('');
      await writeFile(join(dir, 'metric_log.csv'), HEADER + rows('s', 1));
      await writeFile(join(dir, 'metric_log.0.csv'), HEADER + rows('a', 2));
      await writeFile(join(dir, 'metric_log.1.csv'), HEADER + rows('b', 4));
      const reader = createPartitionedLogReader(join(dir, 'metric_log.csv'));
      const ids = (await reader.read()).records.map((r) => r.id);
      // In name order (metric_log.0.csv, metric_log.1.csv, metric_log.csv), each spread over the whole read.
      assert.deepEqual(ids, ['b0', 'a0', 'b1', 'b2', 'a1', 'b3', 's0']);
      assert.equal(reader.partitions, 2, 'metric_log.csv itself is not a partition log');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
