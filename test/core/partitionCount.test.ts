/**
 * The rules of the partition count check: which topics it asks about and in what order, what their existence
 * says, and the order in which a service declares its own; the concurrency argument replayed step by step.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  partitionCountMessage,
  partitionCountMismatch,
  partitionCountProbes,
  partitionTopicsToDeclare,
} from '../../src/core/partitionCount.js';

const has = (...names: string[]): Set<string> => new Set(names);

describe('partition count', () => {
  it('asks about partition 0 before partition N−1, and about partition N; with one partition, partition 1 only', () => {
    assert.deepEqual(partitionCountProbes(1), ['y_true.1', 'y_pred.1']);
    assert.deepEqual(partitionCountProbes(2), [
      'y_true.0',
      'y_pred.0',
      'y_true.1',
      'y_pred.1',
      'y_true.2',
      'y_pred.2',
    ]);
    assert.deepEqual(partitionCountProbes(3), [
      'y_true.0',
      'y_pred.0',
      'y_true.2',
      'y_pred.2',
      'y_true.3',
      'y_pred.3',
    ]);
  });

  it('declares partition N−1 first and 0 last; nothing with one partition', () => {
    assert.deepEqual(partitionTopicsToDeclare(1), []);
    const topics = partitionTopicsToDeclare(3);
    assert.deepEqual(
      topics.map((t) => t.name),
      ['y_true.2', 'y_pred.2', 'y_true.1', 'y_pred.1', 'y_true.0', 'y_pred.0'],
    );
    assert.ok(
      topics.every((t) => t.kind === 'queue' && t.singleActiveConsumer === true),
      'as the metric consumes them',
    );
  });

  it('finds a pipeline with more partitions by partition N', () => {
    assert.deepEqual(partitionCountMismatch(1, has('y_true.1')), { kind: 'more', found: ['y_true.1'] });
    assert.deepEqual(partitionCountMismatch(2, has('y_true.0', 'y_true.1', 'y_true.2', 'y_pred.2')), {
      kind: 'more',
      found: ['y_true.2', 'y_pred.2'],
    });
  });

  it('finds a pipeline with fewer partitions by partition 0 without partition N−1', () => {
    assert.deepEqual(partitionCountMismatch(3, has('y_true.0', 'y_true.1')), {
      kind: 'fewer',
      found: 'y_true.0',
      missing: 'y_true.2',
    });
    assert.deepEqual(partitionCountMismatch(3, has('y_pred.0')), {
      kind: 'fewer',
      found: 'y_pred.0',
      missing: 'y_pred.2',
    });
  });

  it('finds nothing against its own pipeline, an empty broker, or one partition', () => {
    assert.equal(partitionCountMismatch(3, has()), undefined);
    assert.equal(partitionCountMismatch(3, has('y_true.0', 'y_pred.0', 'y_true.2', 'y_pred.2')), undefined);
    // A service of the same count half-way through its declarations: the high partitions are there first.
    assert.equal(partitionCountMismatch(3, has('y_true.2', 'y_pred.2')), undefined);
    assert.equal(partitionCountMismatch(1, has('y_true.0', 'y_pred.0')), undefined);
  });

  it('never refuses services of one count checking and declaring at once (every interleaving of two)', () => {
    const count = 3;
    const probes = partitionCountProbes(count);
    const declarations = partitionTopicsToDeclare(count).map((t) => t.name);
    // A declares while B asks: B asks its i-th question after A's first d declarations, for rising d.
    const interleavings = (n: number, m: number): number[][] =>
      n === 0
        ? [[]]
        : interleavings(n - 1, m).flatMap((prefix) => {
            const from = prefix.at(-1) ?? 0;
            return Array.from({ length: m - from + 1 }, (_, k) => [...prefix, from + k]);
          });
    for (const after of interleavings(probes.length, declarations.length)) {
      const seen = new Set(probes.filter((name, i) => declarations.slice(0, after[i]).includes(name)));
      assert.equal(
        partitionCountMismatch(count, seen),
        undefined,
        `B asked after ${after.join(',')} declarations`,
      );
    }
  });

  it('says what it found, what that means and what to do', () => {
    assert.equal(
      partitionCountMessage(3, { kind: 'fewer', found: 'y_true.0', missing: 'y_true.2' }),
      '--partitions 3, but the broker has y_true.0 and not y_true.2: a pipeline with fewer partitions uses it. ' +
        'Start every service with the same --partitions (or delete the partition queues or streams of a pipeline ' +
        'that is gone: see docs/partitions.md).',
    );
    assert.match(
      partitionCountMessage(2, { kind: 'more', found: ['y_true.2'] }),
      /^--partitions 2, but the broker has y_true\.2: a pipeline with more partitions uses it\. Start every/,
    );
  });
});
