/** The `metrics` broadcast: chunk sizes and ids, the fast and the slow publish path, and failures that stay quiet. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Envelope } from '../../src/core/envelope.js';
import type { MetricRecord } from '../../src/core/metricsBody.js';
import { METRICS, type Topic } from '../../src/core/topics.js';
import { broadcastMetrics } from '../../src/delivery/broadcastMetrics.js';

const rows = (n: number): { record: MetricRecord }[] =>
  Array.from({ length: n }, (_, i) => ({
    record: { id: `r${i}`, y_true: i, y_pred: i + 1, absolute_error: 1 },
  }));

/** A transport that records what it is given, through `tryPublish` when `fast`, else through `publish`. */
function recorder(fast: boolean) {
  const sent: { topic: Topic; envelope: Envelope<MetricRecord[]>; via: 'try' | 'publish' }[] = [];
  return {
    sent,
    tryPublish: <B>(topic: Topic, envelope: Envelope<B>): boolean => {
      if (fast) sent.push({ topic, envelope: envelope as Envelope<MetricRecord[]>, via: 'try' });
      return fast;
    },
    publish: <B>(topic: Topic, envelope: Envelope<B>): Promise<void> => {
      sent.push({ topic, envelope: envelope as Envelope<MetricRecord[]>, via: 'publish' });
      return Promise.resolve();
    },
  };
}

describe('broadcastMetrics', () => {
  for (const [n, sizes] of [
    [0, []],
    [1, [1]],
    [500, [500]],
    [501, [500, 1]],
    [1234, [500, 500, 234]],
  ] as const) {
    it(`sends ${n} records as chunks of ${JSON.stringify(sizes)}, each under its first record's id`, () => {
      const t = recorder(true);
      const batch = rows(n);
      broadcastMetrics(t, batch);
      assert.deepEqual(
        t.sent.map((m) => m.envelope.body.length),
        sizes,
      );
      let first = 0;
      for (const { topic, envelope } of t.sent) {
        assert.equal(topic, METRICS);
        assert.equal(envelope.id, `r${first}`);
        assert.equal(envelope.body[0], batch[first]?.record, 'the record itself, not a copy');
        first += envelope.body.length;
      }
    });
  }

  it('falls back to publish when the transport cannot take a chunk at once', () => {
    const t = recorder(false);
    broadcastMetrics(t, rows(501));
    assert.deepEqual(
      t.sent.map((m) => m.via),
      ['publish', 'publish'],
    );
    const withoutFastPath = { publish: t.publish };
    broadcastMetrics(withoutFastPath, rows(1));
    assert.equal(t.sent.length, 3);
  });

  it('is best-effort: a failed publish neither throws nor leaves a rejection unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const failing = {
        tryPublish: (): boolean => false,
        publish: (): Promise<void> => Promise.reject(new Error('broker down')),
      };
      assert.doesNotThrow(() => broadcastMetrics(failing, rows(501)));
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
