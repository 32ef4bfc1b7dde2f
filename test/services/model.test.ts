/** The model service over the in-memory transport: predictions by id, bad input dead-lettered, acks after effect. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lastValueFrom, toArray, type Subscription } from 'rxjs';
import type { RecordId } from '../../src/core/envelope.js';
import { createLinearModel } from '../../src/core/linearModel.js';
import { decodeDelivery } from '../../src/core/decodeDelivery.js';
import { driftBody } from '../../src/core/driftBody.js';
import { buildReferenceProfile } from '../../src/core/referenceProfile.js';
import { DRIFT, FEATURES, Y_PRED } from '../../src/core/topics.js';
import type { Delivery } from '../../src/core/transport.js';
import { DriftReporter } from '../../src/services/driftReporter.js';
import { modelService } from '../../src/services/model.js';
import type { ServiceEvent } from '../../src/delivery/serviceEvents.js';
import { MemoryTransport } from '../../src/transports/memory/memoryTransport.js';
import { sleep, until } from '../../harness/poll.js';

const model = createLinearModel({
  target: 'y',
  features: ['a', 'b', 'c'],
  intercept: 1.5,
  coefficients: [2, -3, 0.25],
});
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Starts the model service; `stop()` aborts it and resolves with every event it reported (it must complete). */
function start(t: MemoryTransport, drift?: DriftReporter): { stop: () => Promise<ServiceEvent[]> } {
  const ac = new AbortController();
  const all = lastValueFrom(
    modelService(t, model, { signal: ac.signal, concurrency: 16, drift }).pipe(toArray()),
  );
  return {
    stop: () => {
      ac.abort();
      return all;
    },
  };
}

/** Records the deliveries of a consumer, acking them. */
function drain(source: ReturnType<MemoryTransport['consume']>): { got: Delivery[]; sub: Subscription } {
  const got: Delivery[] = [];
  const sub = source.subscribe((d) => {
    got.push(d);
    d.ack();
  });
  return { got, sub };
}

const predictionsById = (got: readonly Delivery[]): Map<RecordId, unknown> =>
  new Map(got.map((d) => [d.envelope?.id as RecordId, d.envelope?.body]));

describe('model service', () => {
  it('publishes each prediction under its record id, equal to model.predict', async () => {
    const t = new MemoryTransport();
    const preds = drain(t.consume(Y_PRED));
    const svc = start(t);
    const inputs: [RecordId, number[]][] = [
      ['run-0', [1, 2, 3]],
      ['run-1', [0.03, -0.04, 1e-3]],
      [1669147134.196809, [-1, 0, 100]],
    ];
    for (const [id, body] of inputs) await t.publish(FEATURES, { id, body });
    await until(() => preds.got.length === inputs.length, 'three predictions');
    const byId = predictionsById(preds.got);
    for (const [id, x] of inputs) assert.equal(byId.get(id), model.predict(x), `prediction for ${id}`);
    assert.equal(byId.get('run-0'), 1.5 + 2 - 6 + 0.75);
    const events = await svc.stop();
    assert.deepEqual(
      events.map((e) => e.kind),
      ['predicted', 'predicted', 'predicted'],
    );
    assert.equal(t.depth(FEATURES), 0, 'every features message acked');
    preds.sub.unsubscribe();
    await t.close();
  });

  it('dead-letters bad input with its reason, counts it, predicts the rest and never errors', async () => {
    const t = new MemoryTransport();
    const preds = drain(t.consume(Y_PRED));
    const svc = start(t);
    await t.publish(FEATURES, { id: 'short', body: [1, 2] });
    await t.publish(FEATURES, { id: 'long', body: [1, 2, 3, 4] });
    await t.publish(FEATURES, { id: 'text', body: [1, '2', 3] });
    await t.publish(FEATURES, { id: 'nan', body: [NaN, 2, 3] }); // carried by reference: no JSON on the way
    await t.publish(FEATURES, { id: 'scalar', body: 7 });
    await t.publishRaw(FEATURES, bytes('{"id": "cut", "body": [1, 2,'));
    await t.publishRaw(FEATURES, bytes('{"id": "py-nan", "body": [NaN, 1, 2]}'));
    await t.publishRaw(FEATURES, bytes('{"body": [1, 2, 3]}'));
    await t.publishRaw(FEATURES, bytes('{"id": "", "body": [1, 2, 3]}'));
    await t.publish(FEATURES, { id: 'good', body: [1, 1, 1] });
    const bad = 9;

    const dead: Delivery[] = [];
    const deadSub = t.consumeDeadLetters(FEATURES).subscribe((d) => {
      dead.push(d);
      d.ack();
    });
    await until(() => dead.length === bad && preds.got.length === 1, 'the dead letters and one prediction');
    const events = await svc.stop();

    const text = (d: Delivery): string => new TextDecoder().decode(d.data);
    const reasons = new Map(dead.map((d) => [text(d), d.deadLetterReason]));
    const expected: [string, RegExp][] = [
      ['{"id":"short","body":[1,2]}', /expected 3 features \(a, b, c\), got 2/],
      ['{"id":"long","body":[1,2,3,4]}', /expected 3 features .* got 4/],
      ['{"id":"text","body":[1,"2",3]}', /body\[1\] must be a finite number, got a string/],
      ['{"id":"nan","body":[NaN,2,3]}', /body\[0\] must be a finite number, got number NaN/],
      ['{"id":"scalar","body":7}', /body must be an array of numbers, got number 7/],
      ['{"id": "cut", "body": [1, 2,', /not JSON/],
      ['{"id": "py-nan", "body": [NaN, 1, 2]}', /not JSON/],
      ['{"body": [1, 2, 3]}', /message has no id/],
      ['{"id": "", "body": [1, 2, 3]}', /id must not be an empty string/],
    ];
    assert.equal(reasons.size, expected.length);
    for (const [message, reason] of expected)
      assert.match(reasons.get(message) ?? '(no dead letter)', reason);

    const deadEvents = events.filter((e) => e.kind === 'dead-lettered');
    assert.equal(deadEvents.length, bad);
    assert.deepEqual(deadEvents.map((e) => e.code).sort(), [
      'bad_body',
      'bad_body',
      'bad_body',
      'bad_id',
      'bad_id',
      'not_json',
      'not_json',
      'wrong_shape',
      'wrong_shape',
    ]);
    for (const e of deadEvents) assert.equal(e.topic, 'features');
    assert.deepEqual(
      events.filter((e) => e.kind === 'predicted'),
      [{ kind: 'predicted', id: 'good' }],
    );
    assert.deepEqual([...predictionsById(preds.got).keys()], ['good']);
    assert.equal(t.depth(FEATURES), 0);
    preds.sub.unsubscribe();
    deadSub.unsubscribe();
    await t.close();
  });

  it('acks a features message only once its prediction has been taken', async () => {
    const t = new MemoryTransport({ capacity: 2 });
    const svc = start(t);
    for (let i = 0; i < 5; i++) await t.publish(FEATURES, { id: `r-${i}`, body: [i, i, i] });
    // y_pred holds 2 and nobody reads it: the three other predictions wait, their features unacked.
    await until(() => t.depth(Y_PRED) === 5, 'five predictions offered');
    assert.equal(t.depth(FEATURES), 3);
    const preds = drain(t.consume(Y_PRED));
    await until(() => t.depth(FEATURES) === 0, 'every features message acked');
    const events = await svc.stop();
    assert.equal(events.filter((e) => e.kind === 'predicted').length, 5);
    assert.equal(preds.got.length, 5);
    preds.sub.unsubscribe();
    await t.close();
  });

  it('stops on abort and leaves messages it did not take for the next consumer', async () => {
    const t = new MemoryTransport();
    const svc = start(t);
    await t.publish(FEATURES, { id: 'before', body: [1, 2, 3] });
    await until(() => t.depth(Y_PRED) === 1, 'the first prediction');
    const events = await svc.stop();
    assert.deepEqual(events, [{ kind: 'predicted', id: 'before' }]);
    await t.publish(FEATURES, { id: 'after', body: [1, 2, 3] });
    assert.equal(t.depth(FEATURES), 1, 'nobody took it');
    await t.close();
  });
});

describe('model service with a drift reporter', () => {
  // Forty rows of a, b, c: a reference with bins in every column.
  const rows = Array.from({ length: 40 }, (_, i) => [i, (i * 7) % 13, i % 3]);
  const reference = buildReferenceProfile(
    { featureNames: ['a', 'b', 'c'], X: rows, y: rows.map((x) => model.predict(x)) },
    model,
  );
  const reporter = (t: MemoryTransport, window: number): DriftReporter =>
    new DriftReporter(t, {
      reference,
      featureNames: model.features,
      source: 'model-1',
      window,
      everyMs: 60_000,
    });

  /** Runs `n` good features messages and one of the wrong shape through a service with `drift`; then stops it. */
  async function run(t: MemoryTransport, drift: DriftReporter, n: number): Promise<void> {
    const preds = drain(t.consume(Y_PRED));
    const svc = start(t, drift);
    await t.publish(FEATURES, { id: 'short', body: [1, 2] });
    for (let i = 0; i < n; i++) await t.publish(FEATURES, { id: `r-${i}`, body: rows[i % rows.length] });
    await until(() => preds.got.length === n, `${n} predictions`);
    assert.equal(
      drift.body().n,
      Math.min(n, drift.body().window),
      'every prediction counted, the dead letter not',
    );
    const events = await svc.stop();
    assert.equal(events.filter((e) => e.kind === 'predicted').length, n);
    preds.sub.unsubscribe();
  }

  it('counts each predicted vector in the window, up to its size', async () => {
    for (const [n, window] of [
      [7, 1000],
      [30, 12],
    ] as const) {
      const t = new MemoryTransport();
      await run(t, reporter(t, window), n);
      await t.close();
    }
  });

  it('closes the reporter when the service completes: the last counts go out then, and only then', async () => {
    const t = new MemoryTransport();
    const sent = drain(t.consume(DRIFT));
    const drift = reporter(t, 1000);
    const preds = drain(t.consume(Y_PRED));
    const svc = start(t, drift);
    for (let i = 0; i < 5; i++) await t.publish(FEATURES, { id: `r-${i}`, body: rows[i] });
    await until(() => preds.got.length === 5, 'five predictions');
    await sleep(20);
    assert.equal(sent.got.length, 0, 'fewer than everyVectors, and everyMs is far off');
    await svc.stop();
    await until(() => sent.got.length > 0, 'the last drift message');
    const decoded = decodeDelivery(sent.got[0]!, driftBody);
    assert.ok(decoded.ok);
    assert.equal(decoded.value.body.n, 5);
    assert.deepEqual(decoded.value.body, drift.body());
    drift.observe([1, 2, 3], model.predict([1, 2, 3]));
    assert.equal(drift.body().n, 5, 'closed: nothing more is counted');
    await sleep(20);
    assert.equal(sent.got.length, 1);
    sent.sub.unsubscribe();
    preds.sub.unsubscribe();
    await t.close();
  });
});
