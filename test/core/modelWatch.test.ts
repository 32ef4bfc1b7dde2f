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
