import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  fnv1a32,
  hostOrdinal,
  metricLogName,
  partitionFileName,
  partitionOf,
  partitionTopic,
  partitionTopicNamed,
  partitionTopics,
  resolvePartition,
} from '../../src/core/partitions.js';
import { recordId } from '../../src/core/recordIds.js';
import { Y_PRED, Y_TRUE } from '../../src/core/topics.js';

describe('partitions', () => {
  it('hashes with FNV-1a over UTF-8: the published test vectors, and a two-byte character', () => {
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c);
    assert.equal(fnv1a32('foobar'), 0xbf9cf968);
    // 'é' is the two bytes c3 a9: hashing UTF-16 code units would give another value.
    assert.equal(fnv1a32('é'), 513665217);
  });

  it('puts an id in the same partition in every version (known values)', () => {
    assert.equal(partitionOf('run-0', 3), 1033722255 % 3);
    assert.equal(partitionOf('abc-1', 3), 0);
    assert.equal(partitionOf('foobar', 7), 0xbf9cf968 % 7);
    // A number id is hashed as its string form.
    assert.equal(partitionOf(42, 5), partitionOf('42', 5));
    assert.equal(partitionOf('anything', 1), 0);
  });

  it('spreads the ids of a run evenly', () => {
    const n = 4;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < 20_000; i++) counts[partitionOf(recordId('r1a2b3', i), n)]! += 1;
    for (const c of counts) assert.ok(c > 4_500 && c < 5_500, `uneven spread: ${counts.join(', ')}`);
  });

  it('names partition topics, and keeps the topics of one partition', () => {
    assert.equal(partitionTopic(Y_TRUE, 0, 1), Y_TRUE);
    assert.equal(partitionTopic(Y_PRED, 0, 1), Y_PRED);
    assert.deepEqual(partitionTopic(Y_TRUE, 2, 3), {
      name: 'y_true.2',
      kind: 'queue',
      singleActiveConsumer: true,
    });
    assert.deepEqual(
      partitionTopics(Y_PRED, 3).map((t) => t.name),
      ['y_pred.0', 'y_pred.1', 'y_pred.2'],
    );
    assert.deepEqual(partitionTopicNamed('y_pred.4'), partitionTopic(Y_PRED, 4, 5));
    assert.equal(partitionTopicNamed('y_true'), undefined);
    assert.equal(partitionTopicNamed('features.1'), undefined);
    assert.equal(metricLogName(0, 1), 'metric_log.csv');
    assert.equal(metricLogName(2, 3), 'metric_log.2.csv');
    assert.equal(partitionFileName('metric_summary.json', 1, 2), 'metric_summary.1.json');
    assert.equal(partitionFileName('metric_summary.json', 0, 1), 'metric_summary.json');
    assert.equal(partitionFileName('summary', 4, 5), 'summary.4');
  });

  it('takes the ordinal at the end of a host name', () => {
    assert.equal(hostOrdinal('metric-2'), 2);
    assert.equal(hostOrdinal('metric-10.metric.default.svc.cluster.local'), 10);
    assert.equal(hostOrdinal('metric'), undefined);
    assert.equal(hostOrdinal('metric-2a'), undefined);
  });

  it('resolves --partition, refusing what does not fit', () => {
    assert.equal(resolvePartition('1', 3, 'anyhost'), 1);
    assert.equal(resolvePartition('auto', 3, 'metric-2'), 2);
    assert.throws(() => resolvePartition('auto', 3, 'metric-3'), /ordinal 3, but there are 3 partitions/);
    assert.throws(() => resolvePartition('auto', 3, 'laptop'), /ending in -<ordinal>/);
    assert.throws(() => resolvePartition('3', 3, 'x'), /from 0 to 2/);
    assert.throws(() => resolvePartition('-1', 3, 'x'), /from 0 to 2/);
    assert.throws(() => resolvePartition('1.5', 3, 'x'), /from 0 to 2/);
  });
});
