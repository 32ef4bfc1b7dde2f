/**
 * Alerts taken up after a restart: what an alert log says is firing at its end (lastEventPerRule, firingAtEnd),
 * and an AlertEvaluator that carries those alerts on without firing them again.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AlertEvaluator } from '../../src/core/alertEvaluator.js';
import { firingAtEnd, lastEventPerRule } from '../../src/core/alertLogState.js';
import { parseAlertRules } from '../../src/core/alertRule.js';
import type { AlertEventBody } from '../../src/core/summaryBody.js';

const event = (
  rule: string,
  state: AlertEventBody['state'],
  at: string,
  value = 70,
  record = 100,
): AlertEventBody => ({ at, rule, state, value, threshold: 60, record });

describe('the state at the end of an alert log', () => {
  const log = [
    event('window.mae > 60', 'firing', '2026-12-05T10:00:00.000Z'),
    event('psi.bmi > 0.2', 'firing', '2026-12-05T10:00:01.000Z', 0.5),
    event('window.mae > 60', 'resolved', '2026-12-05T10:00:02.000Z', 50),
    event('window.mae > 60', 'firing', '2026-12-05T10:00:03.000Z', 75),
    event('psi.bmi > 0.2', 'resolved', '2026-12-05T10:00:04.000Z', 0.01),
  ];

  it('is the last event of each rule, in the order the rules first appear', () => {
    assert.deepEqual(lastEventPerRule(log), [log[3], log[4]]);
    assert.deepEqual(lastEventPerRule([]), []);
  });

  it('folds chunk by chunk to the same answer', () => {
    let carried: AlertEventBody[] = [];
    for (const chunk of [log.slice(0, 2), log.slice(2, 3), log.slice(3)])
      carried = lastEventPerRule([...carried, ...chunk]);
    assert.deepEqual(carried, lastEventPerRule(log));
  });

  it('fires what was last seen firing, since that event', () => {
    assert.deepEqual(firingAtEnd(log), [
      { rule: 'window.mae > 60', value: 75, since: Date.parse('2026-12-05T10:00:03.000Z') },
    ]);
    assert.deepEqual(
      firingAtEnd(log.slice(0, 2)).map((f) => f.rule),
      ['window.mae > 60', 'psi.bmi > 0.2'],
    );
  });
});

describe('AlertEvaluator.restore', () => {
  const rules = parseAlertRules('window.mae > 60; window.bias < -10');

  it('carries a restored alert on: no second firing while its rule holds, one resolution when it clears', () => {
    const alerts = new AlertEvaluator(rules);
    assert.deepEqual(alerts.restore([{ rule: 'window.mae > 60', value: 70, since: 5_000 }]), [
      'window.mae > 60',
    ]);
    assert.deepEqual(alerts.firing(), [{ rule: 'window.mae > 60', value: 70, threshold: 60, since: 5_000 }]);
    assert.deepEqual(alerts.evaluate({ 'window.mae': 80, 'window.bias': 0 }, 10_000), [], 'not fired again');
    assert.equal(alerts.firing()[0]?.value, 80, 'its value follows the figures');
    assert.deepEqual(alerts.evaluate({ 'window.mae': 57 }, 11_000), [], 'within the hysteresis margin');
    assert.deepEqual(
      alerts.evaluate({ 'window.mae': 50 }, 12_000).map((t) => `${t.rule} ${t.state}`),
      ['window.mae > 60 resolved'],
    );
    assert.deepEqual(alerts.firing(), []);
  });

  it('leaves out alerts no rule makes any more, and ones already firing', () => {
    const alerts = new AlertEvaluator(rules);
    alerts.evaluate({ 'window.bias': -20 }, 0);
    assert.deepEqual(
      alerts.restore([
        { rule: 'window.rmse > 70', value: 80, since: 1 },
        { rule: 'window.bias < -10', value: -30, since: -5 },
        { rule: 'window.mae > 60', value: 61, since: Number.NaN },
      ]),
      [],
    );
    assert.deepEqual(
      alerts.firing().map((a) => [a.rule, a.since]),
      [['window.bias < -10', 0]],
      'the live firing stays as it was',
    );
  });

  it('keeps the `for` duration for the resolution of a restored alert', () => {
    const alerts = new AlertEvaluator(parseAlertRules('window.mae > 60 for 30s'));
    alerts.restore([{ rule: 'window.mae > 60 for 30s', value: 70, since: 0 }]);
    assert.deepEqual(alerts.evaluate({ 'window.mae': 40 }, 1_000), []);
    assert.deepEqual(alerts.evaluate({ 'window.mae': 40 }, 20_000), []);
    assert.deepEqual(
      alerts.evaluate({ 'window.mae': 40 }, 31_000).map((t) => t.state),
      ['resolved'],
    );
  });
});
