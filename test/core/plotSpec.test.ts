import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileWarnings } from '../support/vegaLite.js';
import type { TopLevelSpec } from 'vega-lite';
import { ErrorHistogram } from '../../src/core/histogram.js';
import { errorHistogramSpec, formatStatistic, PLOT_FONT } from '../../src/core/plotSpec.js';
import { RunningStats } from '../../src/core/stats.js';

const errors = [0.5, 1.5, 1.75, 3, 12.27012342398, 40];
const histogram = ErrorHistogram.fromValues(errors, 20);
const stats = new RunningStats();
errors.forEach((x) => stats.add(x));

/** Width and height of a layered spec (`TopLevelSpec` is a union, not all of whose members have them). */
const size = (spec: TopLevelSpec): unknown[] => {
  const { width, height } = spec as { width?: unknown; height?: unknown };
  return [width, height];
};

/** Every value under `key` anywhere in `tree`. */
function collect(tree: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(tree)) tree.forEach((t) => collect(t, key, out));
  else if (typeof tree === 'object' && tree !== null)
    for (const [k, v] of Object.entries(tree)) {
      if (k === key) out.push(v);
      collect(v, key, out);
    }
  return out;
}

describe('errorHistogramSpec', () => {
  const spec = errorHistogramSpec(histogram.snapshot(), stats.snapshot());

  it('compiles to Vega without warnings', () => {
    assert.deepEqual(compileWarnings(spec), []);
  });

  it('is fed with the bins only: one datum per bin, with start, end and count', () => {
    const data = collect(spec, 'data').map((d) => (d as { values: unknown[] }).values);
    const bars = data.find((d) => d.length === 20);
    assert.deepEqual(
      bars,
      histogram.snapshot().bins.map((b) => ({ start: b.start, end: b.end, count: b.count })),
    );
    // The other data are the two markers (MAE and p95: a rule and a label each), never the raw errors.
    assert.deepEqual(
      data.filter((d) => d !== bars).map((d) => d.length),
      [1, 1, 1, 1],
    );
    assert.ok(!JSON.stringify(spec).includes('12.27012342398'), 'no raw value, only formatted statistics');
  });

  it('draws bars from bin start to end with titled axes', () => {
    const text = JSON.stringify(spec);
    assert.match(text, /"x":\{"field":"start","type":"quantitative","title":"absolute error"/);
    assert.match(text, /"x2":\{"field":"end"\}/);
    assert.match(text, /"y":\{"field":"count","type":"quantitative","title":"records"/);
    assert.deepEqual(size(spec), [640, 360]);
  });

  it('titles the chart with n, MAE and RMSE, and subtitles it with p50, p95 and max', () => {
    const s = stats.snapshot();
    const title = spec.title as { text: string; subtitle: string };
    assert.equal(
      title.text,
      `Absolute error: n = 6 · MAE ${formatStatistic(s.mae)} · RMSE ${formatStatistic(s.rmse)}`,
    );
    assert.match(
      title.subtitle,
      new RegExp(`^p50 ${formatStatistic(s.p50)} · p95 ${formatStatistic(s.p95)} · max 40 ·`),
    );
  });

  it('uses DejaVu Sans for every text element', () => {
    const config = spec.config ?? {};
    const fonts = [
      ...collect(config, 'font'),
      ...collect(config, 'labelFont'),
      ...collect(config, 'titleFont'),
    ];
    fonts.push(...collect(config, 'subtitleFont'));
    assert.ok(fonts.length >= 8);
    assert.ok(fonts.every((f) => f === PLOT_FONT));
  });

  it('says so when there are no records yet, and draws no markers', () => {
    const empty = errorHistogramSpec(new ErrorHistogram().snapshot(), new RunningStats().snapshot());
    assert.match((empty.title as { text: string }).text, /no records yet/);
    const data = collect(empty, 'data').map((d) => (d as { values: unknown[] }).values);
    assert.deepEqual(
      data.map((d) => d.length),
      [20],
    );
  });

  it('takes a size and a title', () => {
    const s = errorHistogramSpec(histogram.snapshot(), stats.snapshot(), {
      width: 800,
      height: 400,
      title: 'Run 7',
    });
    assert.deepEqual(size(s), [800, 400]);
    assert.match((s.title as { text: string }).text, /^Run 7: n = 6/);
  });
});

describe('formatStatistic', () => {
  it('writes 4 significant digits, exponents for tiny values and a dash for none', () => {
    assert.equal(formatStatistic(12.27012342398), '12.27');
    assert.equal(formatStatistic(1234567), '1,235,000');
    assert.equal(formatStatistic(0), '0');
    assert.equal(formatStatistic(0.000012345), '1.23e-5');
    assert.equal(formatStatistic(NaN), '–');
  });
});
