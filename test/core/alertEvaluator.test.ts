import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ALERT_HYSTERESIS, AlertEvaluator, type AlertTransition } from '../../src/core/alertEvaluator.js';
import { AlertRuleError, defaultAlertRules, parseAlertRules } from '../../src/core/alertRule.js';
import type { ReferenceProfile } from '../../src/core/referenceProfile.js';

const bins = { edges: [0], fractions: [0.5, 0.5] };
const reference: ReferenceProfile = { features: { a: bins, b: bins }, prediction: bins, mae: 40, rmse: 50 };

/** Feeds `values` of one figure at times 0, 1000, 2000, … ms; returns "t:state" for each transition. */
function run(
  evaluator: AlertEvaluator,
  figure: string,
  values: readonly (number | null)[],
  step = 1000,
): string[] {
  return values.flatMap((v, i) =>
    evaluator.evaluate({ [figure]: v }, i * step).map((t) => `${t.at / step}:${t.state}`),
  );
}

describe('AlertEvaluator', () => {
  it('fires once and resolves once', () => {
    const alerts = new AlertEvaluator(parseAlertRules('window.mae > 60'));
    assert.deepEqual(alerts.evaluate({ 'window.mae': 50 }, 0), []);
    const fired = alerts.evaluate({ 'window.mae': 65 }, 1000);
    assert.deepEqual<AlertTransition[]>(fired, [
      { rule: 'window.mae > 60', state: 'firing', value: 65, threshold: 60, at: 1000 },
    ]);
    assert.deepEqual(alerts.evaluate({ 'window.mae': 70 }, 2000), [], 'still firing: not reported again');
    assert.deepEqual(alerts.firing(), [{ rule: 'window.mae > 60', value: 70, threshold: 60, since: 1000 }]);
    const resolved = alerts.evaluate({ 'window.mae': 50 }, 3000);
    assert.deepEqual(resolved, [
      { rule: 'window.mae > 60', state: 'resolved', value: 50, threshold: 60, at: 3000 },
    ]);
    assert.deepEqual(alerts.evaluate({ 'window.mae': 40 }, 4000), []);
    assert.deepEqual(alerts.firing(), []);
  });

  it('does not flap around the threshold: it resolves only 10 % of the threshold back past it', () => {
    assert.equal(ALERT_HYSTERESIS, 0.1);
    const alerts = new AlertEvaluator(parseAlertRules('window.mae > 60'));
    // Fires at 61 (t=1); 59.5 … 54.01 are above 60 − 6 = 54, so it stays firing; 54 resolves (t=7); then 59 and
    // 60 do not exceed 60, 60.01 fires again (t=10).
    const values = [59, 61, 59.5, 60.5, 58, 61, 54.01, 54, 59, 60, 60.01];
    assert.deepEqual(run(alerts, 'window.mae', values), ['1:firing', '7:resolved', '10:firing']);
    const flapping = new AlertEvaluator(parseAlertRules('window.mae > 60'), undefined, { hysteresis: 0 });
    assert.equal(run(flapping, 'window.mae', values.slice(0, 6)).length, 5, 'without the margin it flaps');
  });

  it('turns the margin around for a lower bound', () => {
    const alerts = new AlertEvaluator(parseAlertRules('window.bias < -10'));
    // Fires below −10; resolves at −10 + 1 = −9 or above.
    assert.deepEqual(run(alerts, 'window.bias', [-9, -11, -9.5, -10.5, -9]), ['1:firing', '4:resolved']);
  });

  it('fires only after the rule held for its whole duration, and resolves the same way', () => {
    const alerts = new AlertEvaluator(parseAlertRules('window.mae > 60 for 30s'));
    const at = (ms: number, mae: number | null): string[] =>
      alerts.evaluate({ 'window.mae': mae }, ms).map((t) => t.state);
    assert.deepEqual(at(0, 65), []);
    assert.deepEqual(at(10_000, 50), [], 'the run is broken');
    assert.deepEqual(at(20_000, 65), [], 'a new run starts');
    assert.deepEqual(at(49_999, 70), [], '29.999 s');
    assert.deepEqual(at(50_000, 61), ['firing'], '30 s');
    assert.deepEqual(at(60_000, 50), [], 'clear of the margin, but not yet for 30 s');
    assert.deepEqual(at(70_000, 58), [], 'back within the margin: the run is broken');
    assert.deepEqual(at(80_000, 50), []);
    assert.deepEqual(at(109_999, 40), []);
    assert.deepEqual(at(110_000, 40), ['resolved']);
  });

  it('treats null, a missing figure and NaN as no data: never fire, never resolve, and break a run', () => {
    const alerts = new AlertEvaluator(parseAlertRules('window.mae > 60 for 2s'));
    assert.deepEqual(run(alerts, 'window.mae', [null, null, null]), []);
    assert.deepEqual(alerts.evaluate({}, 0), []);
    assert.deepEqual(alerts.evaluate({ 'window.mae': NaN }, 0), []);
    // 65 at t=0, null at 1 s breaks the run, 65 from 2 s: fires at 4 s. Then nulls leave it firing.
    const values = [65, null, 65, 65, 65, null, null, 50, null, 50, 50, 50];
    assert.deepEqual(run(alerts, 'window.mae', values), ['4:firing', '11:resolved']);
  });

  it('makes one alert per column of the reference for psi.*, named after it', () => {
    const alerts = new AlertEvaluator(parseAlertRules('psi.* > 0.2'), reference);
    assert.deepEqual(alerts.alerts, ['psi.a > 0.2', 'psi.b > 0.2', 'psi.prediction > 0.2']);
    const psi: Record<string, number | null> = { 'psi.a': 0.05, 'psi.b': 0.5, 'psi.prediction': null };
    assert.deepEqual(
      alerts.evaluate((name) => psi[name], 0),
      [{ rule: 'psi.b > 0.2', state: 'firing', value: 0.5, threshold: 0.2, at: 0 }],
    );
    psi['psi.prediction'] = 0.3;
    assert.deepEqual(
      alerts.evaluate((name) => psi[name], 1000).map((t) => t.rule),
      ['psi.prediction > 0.2'],
    );
    assert.deepEqual(
      alerts.firing().map((a) => a.rule),
      ['psi.b > 0.2', 'psi.prediction > 0.2'],
    );
  });

  it('works out relative thresholds against the reference', () => {
    const alerts = new AlertEvaluator(defaultAlertRules(true), reference);
    const [t] = alerts.evaluate({ 'window.mae': 61 }, 0);
    assert.deepEqual(t, {
      rule: 'window.mae > 1.5 * reference.mae',
      state: 'firing',
      value: 61,
      threshold: 60,
      at: 0,
    });
    // 1.5 · 40 = 60, margin 6: 54.5 keeps it firing, 54 resolves.
    assert.deepEqual(alerts.evaluate({ 'window.mae': 54.5 }, 1), []);
    assert.equal(alerts.evaluate({ 'window.mae': 54 }, 2)[0]?.state, 'resolved');
  });

  it('refuses what the reference cannot give, and two rules making one alert', () => {
    assert.deepEqual(
      new AlertEvaluator(defaultAlertRules(false)).alerts,
      [],
      'psi.* without a reference: no column',
    );
    assert.throws(
      () => new AlertEvaluator(parseAlertRules('window.mae > 1.5 * reference.mae')),
      (e: unknown) =>
        e instanceof AlertRuleError && /reference.mae needs a reference profile/.test(e.message),
    );
    assert.throws(
      () => new AlertEvaluator(parseAlertRules('psi.bmi > 0.2'), reference),
      /alert rule "psi.bmi > 0.2": the reference profile has no column "bmi"; expected one of a, b, prediction/,
    );
    assert.throws(
      () => new AlertEvaluator(parseAlertRules('psi.a > 0.2')),
      /expected a model file with "reference"/,
    );
    assert.throws(
      () => new AlertEvaluator(parseAlertRules('psi.* > 0.2; psi.a > 0.2'), reference),
      /alert rule "psi.a > 0.2": two rules make this same alert/,
    );
    assert.throws(() => new AlertEvaluator([], undefined, { hysteresis: 1 }), /hysteresis/);
    assert.throws(() => new AlertEvaluator([]).evaluate({}, NaN), /finite/);
  });
});
