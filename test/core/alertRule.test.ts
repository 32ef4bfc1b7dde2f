import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AlertRuleError,
  defaultAlertRules,
  formatAlertRule,
  parseAlertRule,
  parseAlertRules,
} from '../../src/core/alertRule.js';

const FEATURES = ['age', 'sex', 'bmi'];

describe('parseAlertRule', () => {
  it('reads each figure, comparison and threshold form', () => {
    assert.deepEqual(parseAlertRule('window.mae > 60'), {
      text: 'window.mae > 60',
      figure: 'window.mae',
      operator: '>',
      threshold: { kind: 'absolute', value: 60 },
      forMs: 0,
    });
    const cases: [string, string, Partial<ReturnType<typeof parseAlertRule>>][] = [
      ['psi.bmi > 0.2', 'psi.bmi > 0.2', { figure: 'psi.bmi' }],
      ['psi.* > 0.2', 'psi.* > 0.2', { figure: 'psi.*' }],
      ['psi.prediction >= 0.25', 'psi.prediction >= 0.25', { operator: '>=' }],
      ['window.bias < -10', 'window.bias < -10', { threshold: { kind: 'absolute', value: -10 } }],
      ['all.r2 < 0.3', 'all.r2 < 0.3', { figure: 'all.r2', operator: '<' }],
      ['all.p99 <= 1e3', 'all.p99 <= 1000', { operator: '<=' }],
      ['window.max>200', 'window.max > 200', {}],
      ['  window.p95   >   .5  ', 'window.p95 > 0.5', {}],
      [
        'window.mae > 1.5 * reference.mae',
        'window.mae > 1.5 * reference.mae',
        { threshold: { kind: 'relative', factor: 1.5, reference: 'mae' } },
      ],
      ['window.mae > 1.5 × reference.mae', 'window.mae > 1.5 * reference.mae', {}],
      ['window.mae > 1.5 x reference.mae', 'window.mae > 1.5 * reference.mae', {}],
      ['window.mae>1.5*reference.mae', 'window.mae > 1.5 * reference.mae', {}],
      ['window.rmse > reference.rmse * 2', 'window.rmse > 2 * reference.rmse', {}],
      [
        'window.p50 > reference.mae',
        'window.p50 > reference.mae',
        { threshold: { kind: 'relative', factor: 1, reference: 'mae' } },
      ],
      ['window.bias < -0.5 * reference.mae', 'window.bias < -0.5 * reference.mae', {}],
      ['window.mae > 60 for 30s', 'window.mae > 60 for 30s', { forMs: 30_000 }],
      ['window.mae > 60 for 250ms', 'window.mae > 60 for 250ms', { forMs: 250 }],
      ['window.mae > 60 for 2 m', 'window.mae > 60 for 2m', { forMs: 120_000 }],
      ['window.mae > 60 for 1.5h', 'window.mae > 60 for 90m', { forMs: 5_400_000 }],
      ['window.mae > 60 for 90s', 'window.mae > 60 for 90s', { forMs: 90_000 }],
      ['window.mae > 60 for 0s', 'window.mae > 60', { forMs: 0 }],
    ];
    for (const [text, canonical, fields] of cases) {
      const rule = parseAlertRule(text);
      assert.equal(rule.text, canonical, text);
      assert.deepEqual({ ...rule, ...fields }, rule, text);
      assert.deepEqual(parseAlertRule(rule.text), rule, `${text}: its canonical text reads back the same`);
    }
  });

  it('checks psi feature names when given the features', () => {
    assert.equal(parseAlertRule('psi.bmi > 0.2', FEATURES).figure, 'psi.bmi');
    assert.equal(parseAlertRule('psi.prediction > 0.2', FEATURES).figure, 'psi.prediction');
    assert.equal(parseAlertRule('psi.* > 0.2', FEATURES).figure, 'psi.*');
  });

  it('says what it found where, and what it expected', () => {
    const cases: [string, string][] = [
      [
        'window.mea > 3',
        'alert rule "window.mea > 3": unknown figure "window.mea" at position 1; expected one of window.mae, ' +
          'window.rmse, window.bias, window.r2, window.p50, window.p95, window.p99, window.max',
      ],
      ['all.mean < 3', 'unknown figure "all.mean" at position 1; expected one of all.mae, all.rmse,'],
      [
        'mae > 3',
        'unknown figure "mae" at position 1; expected window.<stat>, all.<stat> (stat: mae, rmse, bias, r2, p50, ' +
          'p95, p99, max), psi.<feature>, psi.prediction or psi.*',
      ],
      ['', 'alert rule "": the rule is empty at position 1; expected a rule such as "psi.* > 0.2"'],
      ['> 3', 'found ">" at position 1; expected a figure:'],
      ['psi. > 0.2', '"psi." names no column at position 1; expected psi.<feature>, psi.prediction or psi.*'],
      [
        'psi.bni > 0.2',
        'unknown feature "bni" at position 5; expected one of psi.*, psi.prediction, psi.age,',
      ],
      [
        'window.mae',
        'found the end of the rule after the figure at position 11; expected a comparison: >, <, >=',
      ],
      ['window.mae = 3', 'found "=" after the figure at position 12; expected a comparison'],
      ['window.mae == 3', 'found "==" after the figure at position 12; expected a comparison'],
      ['window.mae 3', 'found "3" after the figure at position 12; expected a comparison'],
      ['window.mae >= = 3', 'found "=" at position 15; expected a threshold: a number, reference.mae'],
      ['window.mae >== 3', 'found "=" after the comparison at position 14; expected a threshold'],
      [
        'window.mae >',
        'found the end of the rule at position 13; expected a threshold: a number, reference.mae,',
      ],
      ['window.mae > high', 'found "high" at position 14; expected a threshold'],
      ['window.mae > - 3', 'found "-" at position 14; expected a threshold'],
      ['window.mae > 1e999', '1e999 is out of range at position 14; expected a finite number'],
      [
        'window.mae > 1.5 *',
        'found the end of the rule at position 19; expected reference.mae or reference.rmse',
      ],
      ['window.mae > 1.5 * 2', 'found "2" at position 20; expected reference.mae or reference.rmse'],
      ['window.mae > 1.5 * reference.r2', 'found "reference.r2" at position 20; expected reference.mae or'],
      ['window.mae > reference.mea', 'found "reference.mea" at position 14; expected reference.mae or'],
      ['window.mae > reference.mae *', 'found the end of the rule at position 29; expected a threshold'],
      ['window.mae > 60 xyz', 'found "xyz" at position 17; expected "for <duration>" or the end of the rule'],
      ['window.mae > 60 3', 'found "3" at position 17; expected "for <duration>" or the end'],
      [
        'psi.bmi > 1.5 * reference.mae',
        "psi.bmi cannot be compared with reference.mae, which is in the target's units at position 1; " +
          'expected a plain number',
      ],
      ['all.r2 < 0.9 * reference.rmse', 'all.r2 cannot be compared with reference.rmse'],
      [
        'window.mae > 60 for',
        'found the end of the rule after "for" at position 20; expected a duration such as 30s',
      ],
      [
        'window.mae > 60 for soon',
        'found "soon" after "for" at position 21; expected a duration such as 30s',
      ],
      ['window.mae > 60 for 30', 'found the end of the rule after "for" at position 23; expected a duration'],
      [
        'window.mae > 60 for 30 sec',
        'found "sec" after "for" at position 24; expected a duration such as 30s',
      ],
      [
        'window.mae > 60 for 30d',
        'found "d" after "for" at position 23; expected a duration such as 30s (units ms,',
      ],
      ['window.mae > 60 for -3s', 'found "-3s" after "for" at position 21; expected a duration'],
      ['window.mae > 60 for 30s ok', 'found "ok" at position 25; expected the end of the rule'],
      ['window.mae > 60 for 30s for 1m', 'found "for" at position 25; expected the end of the rule'],
      ['window.mae > 60 for 0s for 1m', 'found "for" at position 24; expected the end of the rule'],
    ];
    for (const [text, message] of cases)
      assert.throws(
        () => parseAlertRule(text, FEATURES),
        (e: unknown) => {
          assert.ok(e instanceof AlertRuleError, `${text}: ${String(e)}`);
          assert.ok(e.message.includes(message), `${text}:\n  got      ${e.message}\n  expected ${message}`);
          assert.ok(e.message.startsWith(`alert rule ${JSON.stringify(text)}: `), e.message);
          assert.equal(e.rule, text);
          assert.equal(typeof e.position, 'number');
          return true;
        },
      );
  });
});

describe('parseAlertRules', () => {
  it('splits on ";", skipping empty pieces', () => {
    const rules = parseAlertRules(' psi.* > 0.2 ;window.mae > 60 for 30s;; ');
    assert.deepEqual(
      rules.map((r) => r.text),
      ['psi.* > 0.2', 'window.mae > 60 for 30s'],
    );
    assert.deepEqual(parseAlertRules(''), []);
  });

  it('names the bad rule, and refuses a rule given twice', () => {
    assert.throws(
      () => parseAlertRules('psi.* > 0.2; window.mea > 3'),
      /^AlertRuleError: alert rule "window.mea > 3"/,
    );
    assert.throws(
      () => parseAlertRules('psi.* > 0.2; psi.*>0.2'),
      /alert rule "psi.\*>0.2": the same rule is given twice/,
    );
    assert.throws(() => parseAlertRules('psi.bni > 0.2', FEATURES), /unknown feature "bni"/);
  });
});

describe('defaultAlertRules', () => {
  it('watches drift, and the error against the reference when there is one', () => {
    assert.deepEqual(
      defaultAlertRules(true).map((r) => r.text),
      ['psi.* > 0.2', 'window.mae > 1.5 * reference.mae'],
    );
    assert.deepEqual(
      defaultAlertRules(false).map((r) => r.text),
      ['psi.* > 0.2'],
    );
  });
});

describe('formatAlertRule', () => {
  it('names a psi.* alert after its column', () => {
    const rule = parseAlertRule('psi.* > 0.2 for 1m');
    assert.equal(formatAlertRule(rule, 'bmi'), 'psi.bmi > 0.2 for 1m');
    assert.equal(formatAlertRule(rule), 'psi.* > 0.2 for 1m');
    assert.equal(
      formatAlertRule(parseAlertRule('psi.age > 0.2'), 'bmi'),
      'psi.age > 0.2',
      'only * is replaced',
    );
  });
});
