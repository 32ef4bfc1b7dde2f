/**
 * The model replica's drift reporter over the memory transport: the bin counts it broadcasts on `drift`, when it
 * sends them (every `everyVectors`, `everyMs` after a vector not yet reported, once on close) and that a transport
 * which cannot take them never hurts the caller.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Subscription } from 'rxjs';
import { decodeDelivery } from '../../src/core/decodeDelivery.js';
import { driftBody, type DriftBody } from '../../src/core/driftBody.js';
import { DriftWindow } from '../../src/core/driftWindow.js';
import type { ReferenceProfile } from '../../src/core/referenceProfile.js';
import type { Envelope } from '../../src/core/envelope.js';
import { DRIFT, type Topic } from '../../src/core/topics.js';
import { TransportClosedError, type Delivery } from '../../src/core/transport.js';
import { readDataset } from '../../src/files/readDataset.js';
import { readModel } from '../../src/files/readModel.js';
import {
  DRIFT_DEFAULTS,
  DriftReporter,
  type DriftReporterOptions,
} from '../../src/services/driftReporter.js';
import { MemoryTransport } from '../../src/transports/memory/memoryTransport.js';
import { sleep, until } from '../../harness/poll.js';

const dataset = await readDataset('data/diabetes.csv', 'target');
const model = await readModel('models/diabetes-linear.json');
const reference: ReferenceProfile =
  model.reference ?? assert.fail('the bundled model has no reference profile');

/** The i-th vector the tests observe (the data set's rows, over and over) and the model's prediction of it. */
const vector = (i: number): readonly number[] => dataset.X[i % dataset.X.length]!;
const observe = (reporter: DriftReporter, from: number, to: number): void => {
  for (let i = from; i < to; i++) reporter.observe(vector(i), model.predict(vector(i)));
};

const SOURCE = 'replica-1';

/** A reporter on a fresh memory transport, and the `drift` broadcasts it sent (subscribed before it observes). */
function rig(options: Partial<DriftReporterOptions> = {}): {
  reporter: DriftReporter;
  sent: Delivery[];
  stop: () => Promise<void>;
} {
  const t = new MemoryTransport();
  const sent: Delivery[] = [];
  const sub: Subscription = t.consume(DRIFT).subscribe((d) => {
    sent.push(d);
    d.ack();
  });
  const reporter = new DriftReporter(t, {
    reference,
    featureNames: model.features,
    source: SOURCE,
    everyMs: 60_000,
    minIntervalMs: 0,
    ...options,
  });
  return {
    reporter,
    sent,
    stop: async () => {
      reporter.close();
      sub.unsubscribe();
      await t.close();
    },
  };
}

/** The body of a broadcast, checked as the metric checks it. */
function bodyOf(d: Delivery): DriftBody {
  const decoded = decodeDelivery(d, driftBody);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
  assert.match(String(decoded.value.id), new RegExp(`^${SOURCE}-\\d+$`));
  return decoded.value.body;
}

describe('DriftReporter', () => {
  it('sends the window’s bin counts every `everyVectors`, as a DriftWindow fed the same vectors counts them', async () => {
    const window = 300;
    const { reporter, sent, stop } = rig({ window, everyVectors: 250 });
    const twin = new DriftWindow(reference, model.features, { size: window });
    const expected: DriftBody[] = [];
    for (let i = 0; i < 1000; i++) {
      observe(reporter, i, i + 1);
      twin.add(vector(i), model.predict(vector(i)));
      if ((i + 1) % 250 === 0) {
        const counts = Object.fromEntries(twin.columns.map((c) => [c, twin.binCounts(c)]));
        expected.push({ source: SOURCE, window, n: twin.count, counts, seen: i + 1 });
        assert.deepEqual(reporter.body(), expected.at(-1), `body() after ${i + 1} vectors`);
      }
    }
    await until(() => sent.length >= 4, 'four drift messages');
    reporter.close();
    await sleep(30);
    assert.equal(sent.length, 4, 'nothing more without new vectors, close included');
    const bodies = sent.map(bodyOf);
    assert.deepEqual(
      bodies.map((b) => b.n),
      [250, 300, 300, 300],
    );
    assert.deepEqual(bodies, expected);
    assert.deepEqual(Object.keys(bodies[0]!.counts), [...model.features, 'prediction']);
    await stop();
  });

  it('sends every 1,000 vectors by default, or every window’s worth when the window is smaller', async () => {
    assert.equal(DRIFT_DEFAULTS.everyVectors, 1_000);
    for (const [window, expected] of [
      [DRIFT_DEFAULTS.window, [1_000, 1_000]],
      [400, [400, 400, 400, 400, 400]],
    ] as const) {
      const { reporter, sent, stop } = rig({ window });
      observe(reporter, 0, 2_000);
      await until(() => sent.length >= expected.length, `${expected.length} messages`);
      await sleep(20);
      assert.deepEqual(
        sent.map((d) => bodyOf(d).n),
        expected,
        `window ${window}`,
      );
      assert.deepEqual(
        sent.map((d) => bodyOf(d).seen),
        expected.map((_, i) => (i + 1) * (2_000 / expected.length)),
      );
      await stop();
    }
  });

  it('sends fewer than `everyVectors` vectors everyMs after the first of them, and only then', async () => {
    const { reporter, sent, stop } = rig({ everyMs: 20 });
    const started = performance.now();
    observe(reporter, 0, 100);
    await new Promise((r) => setImmediate(r));
    assert.equal(sent.length, 0, 'not at once');
    await until(() => sent.length > 0, 'the timed message');
    assert.ok(performance.now() - started >= 15, 'not before everyMs');
    assert.equal(bodyOf(sent[0]!).n, 100);

    observe(reporter, 100, 110);
    await until(() => sent.length > 1, 'the second timed message');
    assert.equal(bodyOf(sent[1]!).n, 110);
    await sleep(60);
    assert.equal(sent.length, 2, 'no timer runs without new vectors');
    await stop();
    assert.equal(sent.length, 2);
  });

  it('sends full batches at most once per minIntervalMs: the ones that come sooner go out together', async () => {
    const { reporter, sent, stop } = rig({ minIntervalMs: 200 });
    observe(reporter, 0, 5_000); // five batches at once: the first goes, the other four wait for the interval
    await until(() => sent.length >= 1, 'the first message');
    const first = performance.now();
    assert.deepEqual(
      sent.map((d) => bodyOf(d).seen),
      [1_000],
    );
    await until(() => sent.length >= 2, 'the second message');
    assert.ok(performance.now() - first >= 150, 'not before the interval');
    observe(reporter, 5_000, 6_000); // a batch within the interval of the second message: held again
    await sleep(20);
    assert.equal(sent.length, 2, 'held back');
    await until(() => sent.length >= 3, 'the third message');
    await sleep(50);
    assert.deepEqual(
      sent.map((d) => bodyOf(d).seen),
      [1_000, 5_000, 6_000],
      'each message carries every vector seen before it',
    );
    await stop();
  });

  it('close sends the remainder once, at once, and nothing after it', async () => {
    const { reporter, sent, stop } = rig(); // everyMs a minute away: only close can send
    observe(reporter, 0, 30);
    await sleep(20);
    assert.equal(sent.length, 0);
    reporter.close();
    await until(() => sent.length > 0, 'the last message', { timeoutMs: 1_000 });
    assert.equal(bodyOf(sent[0]!).n, 30);

    observe(reporter, 30, 600);
    reporter.flush();
    reporter.close();
    await sleep(60);
    assert.equal(sent.length, 1, 'no message after close, neither counted, flushed nor timed');
    assert.equal(reporter.body().n, 30, 'vectors observed after close are not counted');
    await stop();
  });

  it('never throws nor leaves a rejection unhandled when the transport cannot send', async () => {
    /** A closed memory transport (tryPublish declines, publish rejects) that notes each attempt to send. */
    class ClosedTransport extends MemoryTransport {
      readonly attempts: string[] = [];
      override tryPublish<B>(topic: Topic, envelope: Envelope<B>): boolean {
        this.attempts.push('tryPublish');
        return super.tryPublish(topic, envelope);
      }
      override publish<B>(topic: Topic, envelope: Envelope<B>): Promise<void> {
        this.attempts.push('publish');
        return super.publish(topic, envelope);
      }
    }
    const t = new ClosedTransport();
    await t.close();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const reporter = new DriftReporter(t, {
        reference,
        featureNames: model.features,
        source: SOURCE,
        everyMs: 10,
        everyVectors: 250,
        minIntervalMs: 0,
      });
      assert.doesNotThrow(() => {
        observe(reporter, 0, 600); // two messages at 250 and 500, a timer for the last 100
      });
      await until(() => t.attempts.length === 6, 'the timed attempt');
      assert.doesNotThrow(() => {
        observe(reporter, 600, 610);
        reporter.close();
      });
      await sleep(30);
      assert.deepEqual(t.attempts, Array<string[]>(4).fill(['tryPublish', 'publish']).flat());
      assert.equal(reporter.body().n, 610, 'counting went on');
      await assert.rejects(t.publish(DRIFT, { id: 'x', body: reporter.body() }), TransportClosedError);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('refuses a reference that does not profile the features it is given', () => {
    const t = new MemoryTransport();
    assert.throws(
      () => new DriftReporter(t, { reference, featureNames: ['age', 'bmi'], source: SOURCE }),
      RangeError,
    );
    assert.throws(
      () => new DriftReporter(t, { reference, featureNames: model.features, source: SOURCE, window: 0 }),
      RangeError,
    );
  });
});
