import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileWarnings } from '../support/vegaLite.js';
import { PLOT_FONT } from '../../src/core/plotSpec.js';
import type { TimelinePoint } from '../../src/core/timelineSeries.js';
import { errorTimelineSpec, type AlertMark } from '../../src/core/timelineSpec.js';

const points: TimelinePoint[] = [
  { record: 100, mae: 40, bias: 2 },
  { record: 200, mae: 45.5, bias: -3 },
  { record: 300, mae: 61.25, bias: 12.5 },
];
const alerts: AlertMark[] = [
  { record: 250, state: 'firing', rule: 'window.mae > 60' },
  { record: 290, state: 'resolved', rule: 'window.mae > 60' },
  { record: 900, state: 'firing', rule: 'psi.bmi > 0.2' },
];

type Layer = { data: { values: Record<string, unknown>[] }; mark: { type: string } };
const layers = (spec: unknown): Layer[] => (spec as { layer: Layer[] }).layer;

describe('errorTimelineSpec', () => {
  const spec = errorTimelineSpec(points, alerts, { windowSize: 1000 });

  it('compiles to Vega without warnings', () => {
    assert.deepEqual(compileWarnings(spec, errorTimelineSpec([], [], { windowSize: 10 })), []);
  });

  it('draws MAE and bias as two series against the record count', () => {
    const line = layers(spec).find((l) => l.mark.type === 'line')!;
    assert.equal(line.data.values.length, 6);
    assert.deepEqual(line.data.values.slice(0, 2), [
      { record: 100, value: 40, series: 'window MAE' },
      { record: 100, value: 2, series: 'window bias' },
    ]);
  });

  it('marks the alert changes up to the last point, firing and resolved apart, and names the firing rules', () => {
    const rules = layers(spec).filter((l) => l.mark.type === 'rule');
    const marks = rules.find((l) => l.data.values.some((v) => 'series' in v))!;
    assert.deepEqual(marks.data.values, [
      { record: 250, series: 'alert firing', rule: 'window.mae > 60' },
      { record: 290, series: 'alert resolved', rule: 'window.mae > 60' },
    ]);
    const labels = layers(spec).find((l) => l.mark.type === 'text')!;
    assert.deepEqual(
      labels.data.values.map((v) => v.rule),
      ['window.mae > 60'],
    );
    const text = JSON.stringify(spec);
    for (const entry of ['window MAE', 'window bias', 'alert firing', 'alert resolved'])
      assert.ok(text.includes(entry), `legend entry ${entry}`);
  });

  it('titles the chart with the latest figures and the window, and titles both axes', () => {
    const { title } = spec as { title: { text: string; subtitle: string } };
    assert.match(title.text, /MAE 61\.25 · bias 12\.5 after 300 records/);
    assert.match(title.subtitle, /last 1,000 records · 2 alert changes/);
    const text = JSON.stringify(spec);
    assert.ok(text.includes('"records joined"'));
    assert.ok(text.includes('MAE, bias'));
    assert.equal((spec as { config: { font: string } }).config.font, PLOT_FONT);
  });

  it('says so when there are no records yet, and marks nothing', () => {
    const empty = errorTimelineSpec([], alerts, { windowSize: 1000 });
    assert.match((empty as { title: { text: string } }).title.text, /no records yet/);
    for (const l of layers(empty).filter(
      (l) => l.mark.type !== 'rule' || !('zero' in (l.data.values[0] ?? {})),
    ))
      assert.deepEqual(l.data.values, []);
  });
});
