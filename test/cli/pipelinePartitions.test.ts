/**
 * The one-process pipeline with several metric partitions: one metric per partition in the process, each with
 * its own log, and the plot drawing them all.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../support/tempDir.js';
import { METRIC_CSV_HEADER } from '../../src/core/metricCsv.js';
import { partitionOf } from '../../src/core/partitions.js';
import { runCli } from '../../harness/cli.js';

describe('pipeline --partitions 3', () => {
  const dir = tempDir('pipeline-partitions-');

  it('writes metric_log.<p>.csv per partition, every id once, and plots them all', async () => {
    const r = await runCli(
      ['--transport=memory', '--interval', '0', '--count', '900', '--partitions', '3', '--log-dir', dir()],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /joined 900 records/);
    const seen = new Set<string>();
    for (let p = 0; p < 3; p++) {
      const lines = (await readFile(join(dir(), `metric_log.${p}.csv`), 'utf8')).split('\n');
      assert.equal(lines.shift(), METRIC_CSV_HEADER);
      assert.equal(lines.pop(), '');
      for (const line of lines) {
        const id = line.split(',')[0] as string;
        assert.equal(partitionOf(id, 3), p, `${id} in the log of partition ${p}`);
        assert.ok(!seen.has(id), `${id} logged twice`);
        seen.add(id);
      }
    }
    assert.equal(seen.size, 900);
    await assert.rejects(stat(join(dir(), 'metric_log.csv')), 'no unpartitioned log');
    assert.ok((await stat(join(dir(), 'error_distribution.png'))).size > 0);
  });
});
