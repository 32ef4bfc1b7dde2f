/**
 * ModelWatch: the rules see the figures they name, including those a cheap evaluation would skip (the window's
 * percentiles and max are only computed when a rule reads them).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAlertRule } from '../../src/core/alertRule.js';
import { EVALUATE_EVERY_RECORDS, ModelWatch } from '../../src/core/modelWatch.js';

/** Feeds `count` records with |error| 1, then one with |error| `last`; returns the alerts the rules' last evaluation changed. */
function run(rule: string, last: number): string[] {
  const watch = new ModelWatch({ windowSize: 50, rules: [parseAlertRule(rule)] });
  for (let i = 1; i < EVALUATE_EVERY_RECORDS; i++) watch.record(100, 101);
  assert.equal(watch.record(100, 100 + last), true, 'the last record makes the rules due');
  return watch.evaluate(0).map((e) => `${e.rule} ${e.state} ${e.value}`);
}

describe('ModelWatch', () => {
  for (const [rule, value] of [
    ['window.max > 50', 60],
    ['all.max > 50', 60],
    ['window.mae > 2', (49 + 60) / 50],
  ] as const)
    it(`fires ${rule} from the record that crosses it`, () => {
      assert.deepEqual(run(rule, 60), [`${rule} firing ${value}`]);
      assert.deepEqual(run(rule, 1), []);
    });
});

describe('ModelWatch drift', () => {
  const reference = {
    features: { x: { edges: [0], fractions: [0.5, 0.5] } },
    prediction: { edges: [0], fractions: [0.5, 0.5] },
    mae: 1,
    rmse: 1,
  };
  const shifted = (seen: number) => ({
    source: 'model-1',
    window: 1000,
    n: 1000,
    counts: { x: [0, 1000], prediction: [500, 500] },
    seen,
  });

  it('fires a drift alert only once the records the drift came with are joined', () => {
    const watch = new ModelWatch({ reference, rules: [parseAlertRule('psi.x > 0.2')] });
    for (let i = 0; i < 9_500; i++) watch.record(1, 1);
    assert.equal(watch.drift(shifted(10_250), 0), undefined);
    assert.deepEqual(watch.evaluate(1), [], 'the model is ahead of the join');
    assert.equal(watch.summary(1).drift.n, 0, 'nor in the summary yet');
    for (let i = 0; i < 750; i++) watch.record(1, 1);
    const fired = watch.evaluate(2);
    assert.deepEqual(
      fired.map((e) => [e.rule, e.state, e.record]),
      [['psi.x > 0.2', 'firing', 10_250]],
    );
  });

  it('takes a held drift body into the last summary', () => {
    const watch = new ModelWatch({ reference, rules: [] });
    watch.record(1, 1);
    watch.drift(shifted(5_000), 0);
    assert.equal(watch.summary(1).drift.n, 0);
    watch.settleDrift();
    assert.equal(watch.summary(2).drift.n, 1000);
  });

  it('refuses and counts a body that does not fit the reference', () => {
    const watch = new ModelWatch({ reference, rules: [] });
    const problem = watch.drift({ ...shifted(1), counts: { y: [1000], prediction: [500, 500] } }, 0);
    assert.match(problem ?? '', /not in the reference: y/);
    assert.equal(watch.malformedDrift, 1);
  });
});
