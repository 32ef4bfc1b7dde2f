/** What the dashboard shows of the model at work: the quality block, the drift panel, the alert banner. Pure. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ModelWatch, MAX_FIRING } from '../../src/tui/modelWatch.js';
import { alertBanner } from '../../src/tui/panels/alertBanner.js';
import { driftData, psiBar, PSI_THRESHOLD } from '../../src/tui/panels/drift.js';
import { figureLine, qualityFigures } from '../../src/tui/panels/figures.js';
import { plainLine } from '../../src/tui/plainDashboard.js';
import { DashboardModel } from '../../src/tui/viewModel.js';
import { alertEvent, firing, summaryOf } from '../support/summaries.js';

const exact = (lines: readonly string[], width: number, height: number): void => {
  assert.equal(lines.length, height);
  for (const l of lines) assert.equal(l.length, width, JSON.stringify(l));
};

describe('quality figures', () => {
  it('show MAE, RMSE, bias and R² over all records and the window, in two columns', () => {
    const rows = qualityFigures(summaryOf()).map((f) => figureLine(f, 26));
    assert.deepEqual(rows, [
      'quality        all  window',
      'MAE          40.00   50.00',
      'RMSE         50.00   62.50',
      'bias         -4.00   -5.00',
      'R²           0.500   0.500',
    ]);
  });

  it('show – without a summary, or for a figure with no value yet, and sign a positive bias', () => {
    assert.ok(
      qualityFigures(undefined)
        .slice(1)
        .every((f) => f.value === '–' && f.window === '–'),
    );
    const s = summaryOf();
    const r2 = qualityFigures({ ...s, all: { ...s.all, r2: null, bias: 3 } });
    assert.equal(r2[4]!.value, '–');
    assert.equal(r2[3]!.value, '+3.00');
  });
});

describe('drift panel', () => {
  it('draws one bar a column, worst first, the threshold marked and the columns over it flagged', () => {
    const d = driftData(
      summaryOf({ psi: { age: 0.05, bmi: 0.45, prediction: 0.25, sex: null } }).drift,
      30,
      5,
    );
    exact(d.lines, 30, 5);
    assert.match(d.lines[0]!, /^bmi +0\.450! █+/);
    assert.match(d.lines[1]!, /^prediction 0\.250! /);
    assert.match(d.lines[2]!, /^age +0\.050 {2}.*│/, 'a bar short of the threshold shows its mark');
    assert.deepEqual(d.over, [true, true, false, false, false]);
    assert.match(d.label, /│ = 0\.2 · n 400/);
  });

  it('says how many more columns there are when they do not all fit', () => {
    const psi = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}`, i / 20]));
    const d = driftData(summaryOf({ psi }).drift, 18, 7);
    exact(d.lines, 18, 7);
    assert.match(d.lines[0]!, /^f10/);
    assert.match(d.lines[6]!, /^\+5 more, ≤ 0\.200/);
    assert.equal(d.over[6], false, 'none of those left out is over the threshold');
    const worse = driftData(summaryOf({ psi: { ...psi, f4: 0.21 } }).drift, 18, 7);
    assert.equal(worse.over[6], true, 'one of those left out is over the threshold');
  });

  it('says why there is nothing to draw: no summary, drift off, too few vectors', () => {
    const says = (d: ReturnType<typeof driftData>, text: RegExp): void => {
      exact(d.lines, 20, 6);
      assert.match(d.lines.join(' ').replace(/\s+/g, ' '), text);
    };
    says(driftData(undefined, 20, 6), /waiting for the metric summary/);
    const off = summaryOf({ drift: { enabled: false, reason: 'no reference profile', psi: {} } }).drift;
    says(driftData(off, 20, 6), /drift off: no reference profile/);
    says(driftData(summaryOf({ psi: { bmi: null, age: null } }).drift, 20, 6), /waiting for vectors · n 400/);
  });

  it('bars: proportional to the scale, in eighths, the mark where the bar does not reach', () => {
    assert.equal(psiBar(0, 0.4, 8), '    │   ');
    assert.equal(psiBar(0.4, 0.4, 8), '████████');
    assert.equal(psiBar(0.05, 0.4, 8), '█   │   ');
    assert.equal(psiBar(0.25, 0.4, 8), '█████   ');
    assert.equal(PSI_THRESHOLD, 0.2);
  });
});

describe('alert banner', () => {
  it('is absent while nothing fires', () => {
    assert.equal(alertBanner([], 80), undefined);
  });

  it('names the rules firing and their value, exactly the width, with how many did not fit', () => {
    const one = alertBanner([firing('psi.bmi > 0.2', 0.312)], 40)!;
    assert.equal(one, ' ALERT psi.bmi > 0.2 (0.312)'.padEnd(40));
    const many = [
      firing('psi.bmi > 0.2'),
      firing('window.mae > 1.5 * reference.mae'),
      firing('psi.s3 > 0.2'),
    ];
    const line = alertBanner(many, 90)!;
    assert.equal(line.length, 90);
    assert.match(line, /^ ALERT ×3 psi\.bmi > 0\.2 \(1\.00\) · window\.mae .* \+1 more/);
    assert.match(alertBanner(many, 160)!, /psi\.s3 > 0\.2 \(1\.00\) *$/);
  });
});

describe('model watch', () => {
  it('takes a summary’s alerts as the whole truth, and alert events between two summaries', () => {
    const w = new ModelWatch();
    w.setSummary(summaryOf({ alerts: [firing('a'), firing('b')] }));
    w.alert(alertEvent('b', 'resolved'));
    w.alert(alertEvent('c', 'firing'));
    assert.deepEqual(
      w.view().firing.map((a) => a.rule),
      ['a', 'c'],
    );
    w.setSummary(summaryOf({ alerts: [firing('d')] }));
    assert.deepEqual(
      w.view().firing.map((a) => a.rule),
      ['d'],
    );
    w.setSummary(undefined);
    assert.deepEqual(w.view(), { summary: undefined, firing: [] });
  });

  it('keeps at most MAX_FIRING alerts, and one per rule', () => {
    const w = new ModelWatch();
    for (let i = 0; i < MAX_FIRING + 50; i++) w.alert(alertEvent(`r${i % (MAX_FIRING + 10)}`, 'firing', i));
    assert.equal(w.view().firing.length, MAX_FIRING);
  });

  it('is folded by the dashboard model, replaced not accumulated, and kept over a reset', () => {
    const model = new DashboardModel({ source: 'nats' });
    for (let i = 0; i < 1000; i++) model.apply({ kind: 'summary', summary: summaryOf({ n: i }) }, i);
    model.apply({ kind: 'alert', alert: alertEvent('psi.bmi > 0.2', 'firing') }, 1000);
    model.reset(1001);
    const view = model.view(1001);
    assert.equal(view.watch.summary?.n, 999);
    assert.deepEqual(
      view.watch.firing.map((a) => a.rule),
      ['psi.bmi > 0.2'],
    );
    assert.match(plainLine(view, false), /MAE 40\.00 \/ 50\.00 .*\| ALERT psi\.bmi > 0\.2$/);
  });
});
