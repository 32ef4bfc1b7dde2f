import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ownedPartition, partitionCsvFile, partitionFile } from '../../src/cli/partitionOptions.js';
import { UsageError } from '../../src/cli/usageError.js';

describe('partition options', () => {
  it('owns partition 0 of 1 without --partition, and needs it with several', () => {
    assert.deepEqual(ownedPartition({ partitions: 1 }, 'h'), { index: 0, count: 1 });
    assert.throws(() => ownedPartition({ partitions: 3 }, 'h'), UsageError);
  });

  it('takes auto from the host name, as a usage error (exit 2) when it does not fit', () => {
    assert.deepEqual(ownedPartition({ partitions: 3, partition: 'auto' }, 'metric-1'), {
      index: 1,
      count: 3,
    });
    assert.throws(() => ownedPartition({ partitions: 3, partition: 'auto' }, 'metric-7'), UsageError);
    assert.throws(() => ownedPartition({ partitions: 3, partition: 'auto' }, 'box'), UsageError);
  });

  it('names the log of the partition, --csv-file with the partition before its extension', () => {
    assert.equal(
      partitionCsvFile({ logDir: 'logs' }, { index: 0, count: 1 }),
      join('logs', 'metric_log.csv'),
    );
    assert.equal(
      partitionCsvFile({ logDir: 'logs' }, { index: 2, count: 3 }),
      join('logs', 'metric_log.2.csv'),
    );
    assert.equal(
      partitionCsvFile({ logDir: 'logs', csvFile: join('out', 'x.csv') }, { index: 2, count: 3 }),
      join('out', 'x.2.csv'),
      'partitions given one --csv-file do not share it',
    );
    assert.equal(partitionCsvFile({ logDir: 'logs', csvFile: 'x.csv' }, { index: 0, count: 1 }), 'x.csv');
  });

  it('gives each partition its own summary, and leaves one partition as it was', () => {
    assert.equal(
      partitionFile('/l', 'metric_summary.json', { index: 1, count: 2 }),
      join('/l', 'metric_summary.1.json'),
    );
    assert.equal(partitionFile('/l', 'alerts.jsonl', { index: 0, count: 1 }), undefined);
    assert.equal(
      partitionFile('/l', 'metric_summary.json', { index: 2, count: 3 }, join('/s', 'sum.json')),
      join('/s', 'sum.2.json'),
      'a given --summary-file gets the partition too',
    );
    assert.equal(partitionFile('/l', 'alerts.jsonl', { index: 0, count: 1 }, 'a.jsonl'), 'a.jsonl');
    assert.equal(partitionFile('/l', 'alerts.jsonl', { index: 1, count: 3 }, ''), '', "'' stays off");
  });
});
