import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorHistogram } from '../../src/core/histogram.js';
import { clip, clipLeft, firstFitting, formatCount, formatValue, labelled } from '../../src/tui/format.js';
import { layoutFor, MIN_COLS, MIN_ROWS, split, type Rect } from '../../src/tui/layout.js';
import { errorChartData, niceCeiling } from '../../src/tui/panels/errorChart.js';
import { figureLines, figures } from '../../src/tui/panels/figures.js';
import { helpLine } from '../../src/tui/panels/helpLine.js';
import { histogramData } from '../../src/tui/panels/histogram.js';
import { recordsTableData } from '../../src/tui/panels/recordsTable.js';
import { plainLine } from '../../src/tui/plainDashboard.js';
import { themeFor } from '../../src/tui/theme.js';
import { DashboardModel, type ErrorWindow } from '../../src/tui/viewModel.js';

const overlaps = (a: Rect, b: Rect): boolean =>
  a.left < b.left + b.width &&
  b.left < a.left + a.width &&
  a.top < b.top + b.height &&
  b.top < a.top + a.height;

describe('layout', () => {
  it('tiles the whole terminal without overlap, from 80×24 up', () => {
    for (const [cols, rows] of [
      [80, 24],
      [81, 25],
      [100, 30],
      [160, 48],
      [200, 60],
      [300, 90],
    ] as const) {
      const l = layoutFor(cols, rows);
      assert.ok(l.fits, `${cols}×${rows} fits`);
      const rects = [l.chart, l.figures, l.histogram, l.drift, l.table, l.help];
      assert.equal(
        rects.reduce((a, r) => a + r.width * r.height, 0),
        cols * rows,
        'every cell belongs to one panel',
      );
      for (const [i, a] of rects.entries()) {
        assert.ok(a.left >= 0 && a.top >= 0 && a.left + a.width <= cols && a.top + a.height <= rows);
        for (const b of rects.slice(i + 1)) assert.ok(!overlaps(a, b), `${cols}×${rows}: panels overlap`);
      }
      // What the panels need: 11 figures inside a border, a chart canvas, 20 histogram bins, a readable table.
      assert.ok(l.figures.height >= 13 && l.figures.width >= 28);
      assert.ok(l.drift.width >= 20 && l.drift.height >= 8);
      assert.ok(l.chart.width >= 40 && l.chart.height >= 8);
      assert.ok(l.histogram.width - 2 >= 20);
      assert.ok(l.table.width >= 38);
    }
  });

  it('makes room for the banner at the top, the figures keeping their 11 lines', () => {
    for (const [cols, rows] of [
      [80, 24],
      [160, 48],
    ] as const) {
      const l = layoutFor(cols, rows, true);
      assert.ok(l.fits);
      assert.deepEqual(l.banner, { left: 0, top: 0, width: cols, height: 1 });
      const rects = [l.banner, l.chart, l.figures, l.histogram, l.drift, l.table, l.help];
      assert.equal(
        rects.reduce((a, r) => a + r.width * r.height, 0),
        cols * rows,
      );
      assert.ok(l.chart.top >= 1 && l.figures.height >= 13 && l.histogram.height >= 9);
    }
    const plain = layoutFor(80, 24);
    assert.ok(plain.fits && plain.banner === undefined);
  });

  it('does not fit below 80×24', () => {
    assert.equal(layoutFor(MIN_COLS - 1, MIN_ROWS).fits, false);
    assert.equal(layoutFor(MIN_COLS, MIN_ROWS - 1).fits, false);
  });

  it('split honours bounds and adds up to the total', () => {
    assert.deepEqual(split(100, [{ share: 1 }, { share: 1, max: 30 }]), [70, 30]);
    assert.deepEqual(split(60, [{ share: 2 }, { share: 1, min: 28 }]), [32, 28]);
    assert.deepEqual(split(10, [{ share: 1 }, { share: 1 }, { share: 1 }]), [3, 3, 4]);
  });
});

describe('format', () => {
  it('formats values and counts compactly, and unknowns as –', () => {
    assert.equal(formatValue(NaN), '–');
    assert.equal(formatValue(0), '0');
    assert.equal(formatValue(0.0123), '0.012');
    assert.equal(formatValue(3.14159), '3.14');
    assert.equal(formatValue(151.25), '151.3');
    assert.equal(formatValue(12345.6), '12,346');
    assert.equal(formatCount(undefined), '–');
    assert.equal(formatCount(1234567), '1,234,567');
  });

  it('clips and aligns to exact widths', () => {
    assert.equal(clip('abcdef', 4), 'abc…');
    assert.equal(clipLeft('run-123456', 6), '…23456');
    assert.equal(labelled('MAE', '3.14', 12), 'MAE     3.14');
    assert.equal(firstFitting(['long one', 'short'], 6), 'short');
    assert.equal(firstFitting(['long one', 'shorter'], 4), 'sho…');
  });
});

describe('error chart', () => {
  const window = (errors: number[], capacity = 300): ErrorWindow => ({
    errors,
    mae: errors.map((_, i) => errors.slice(0, i + 1).reduce((a, b) => a + b, 0) / (i + 1)),
    firstSeq: 41,
    capacity,
  });

  it('draws every point when they fit, labelled by record number, under a round top', () => {
    const d = errorChartData(window([1, 5, 2, 8]), 100, 60);
    assert.deepEqual(d.errors, [1, 5, 2, 8]);
    assert.deepEqual(d.labels, ['41', '42', '43', '44']);
    assert.equal(d.maxY, 10);
    assert.match(d.label, /rolling MAE 4\.00/);
    assert.ok(d.label.length <= 58);
  });

  it('keeps each run’s largest error when there are more points than dots', () => {
    const errors = Array.from({ length: 300 }, (_, i) => (i === 123 ? 500 : 1));
    const d = errorChartData(window(errors), 50, 60);
    assert.ok(d.errors.length <= 50);
    assert.equal(Math.max(...d.errors), 500, 'the spike survives');
    assert.equal(d.labels.at(-1), '340');
  });

  it('waits with a flat line before two records', () => {
    const d = errorChartData(window([3]), 100, 60);
    assert.deepEqual(d.errors, [0, 0]);
    assert.match(d.label, /waiting/);
  });

  it('rounds the top up to 1, 2 or 5 × 10^k', () => {
    assert.deepEqual([0, 0.3, 1, 1.1, 3, 7, 45, 101].map(niceCeiling), [1, 0.5, 1, 2, 5, 10, 50, 200]);
  });
});

describe('histogram panel', () => {
  it('draws the PNG’s bins as columns scaled to the fullest bin, with the edges below', () => {
    const h = ErrorHistogram.fromValues([0.5, 1.5, 1.5, 1.5, 1.5, 3.5], 4).snapshot(); // width 1: 1, 4, 0, 1
    const d = histogramData(h, 12, 5);
    assert.equal(d.lines.length, 5);
    assert.ok(d.lines.every((l) => l.length === 12));
    // 4 bins of 3 cells: 2 cells of bar and a gap. Bin 1 is full height; bin 2 empty; bins 0 and 3 a quarter.
    const column = (c: number): string =>
      d.lines
        .slice(0, 4)
        .map((l) => l[c])
        .join('');
    assert.equal(column(3), '████');
    assert.equal(column(6), '    ');
    assert.equal(column(0), '   █');
    assert.equal(column(9), '   █');
    assert.equal(column(2), '    ', 'a gap between bins');
    assert.equal(d.lines[4], '0  1  2  3 4', 'edges where they fit, one space apart at least');
    assert.match(histogramData(h, 60, 5).label, /4 bins of 1 · n 6 · peak 4/);
  });

  it('shows that it waits when empty, at the exact size', () => {
    const d = histogramData(new ErrorHistogram(20).snapshot(), 30, 6);
    assert.equal(d.lines.length, 6);
    assert.ok(d.lines.every((l) => l.length === 30));
    assert.ok(d.lines.some((l) => l.includes('no records yet')));
  });

  it('shows a bin with any count, however small next to the fullest', () => {
    const h = ErrorHistogram.fromValues([...Array<number>(10_000).fill(0.5), 1.5], 2).snapshot();
    const d = histogramData(h, 20, 4);
    assert.notEqual(d.lines[2]![10], ' ');
  });
});

describe('records table', () => {
  const latest = Array.from({ length: 30 }, (_, i) => ({
    id: `k3j5h2m9qx-${1000 - i}`,
    y_true: 151,
    y_pred: 170.25,
    absolute_error: 19.25,
  }));

  it('fits the widget width, newest first, ids cut from the left', () => {
    const d = recordsTableData(latest, 40, 7);
    assert.equal(d.data.length, 7);
    // Each column takes its width plus one space, in a list 3 cells narrower than the widget.
    assert.equal(
      d.columnWidth.reduce((a, w) => a + w + 1, 0),
      40 - 3,
    );
    assert.equal(d.data[0]![0], `…${'k3j5h2m9qx-1000'.slice(-(d.columnWidth[0]! - 1))}`);
    assert.deepEqual(
      d.data[0]!.slice(1).map((s) => s.trim()),
      ['151.0', '170.3', '19.25'],
    );
  });

  it('shows whole ids when there is room', () => {
    const d = recordsTableData(latest, 80, 20);
    assert.equal(d.data[0]![0], 'k3j5h2m9qx-1000');
  });
});

describe('figures and help line', () => {
  const model = new DashboardModel({ source: 'nats' });
  for (let i = 0; i < 4; i++) model.addRecord({ id: i, y_true: 0, y_pred: i, absolute_error: i }, i);

  it('shows unknown service figures as –, then the reported ones', () => {
    let f = figures(model.view(10), { countsJoined: false });
    assert.deepEqual(
      f.slice(0, 13).map((x) => x.label),
      [
        'records joined',
        'records / s',
        'quality',
        'MAE',
        'RMSE',
        'bias',
        'R²',
        'join buffer',
        'evicted unmatched',
        'dead-lettered',
        'nats',
        '|error| p50 / p95',
        'max error',
      ],
    );
    assert.equal(f[0]!.value, '–');
    assert.deepEqual([f[3]!.value, f[3]!.window], ['–', '–'], 'no summary yet');
    assert.equal(f[12]!.value, '3.00', 'seen here');
    assert.equal(f[10]!.value, 'connecting');
    assert.equal(f[10]!.alert, true);
    model.setState('connected');
    model.addStatus(
      {
        service: 'pipeline',
        instance: 'p',
        transport: 'nats',
        state: 'connected',
        counters: {
          published: 9,
          predicted: 9,
          joined: 1234,
          pending: 5,
          unmatched: 0,
          duplicates: 0,
          deadLettered: 2,
          retried: 0,
          deadByCode: { bad_body: 2 },
        },
      },
      10,
    );
    f = figures(model.view(10), { countsJoined: false });
    assert.deepEqual(
      [f[0], f[7], f[8], f[9], f[10], f[13]].map(
        (x) => `${x!.label.trim()}=${x!.value}${x!.alert ? '!' : ''}`,
      ),
      [
        'records joined=1,234',
        'join buffer=5',
        'evicted unmatched=0',
        'dead-lettered=2!',
        'nats=connected',
        'bad_body=2!',
      ],
    );
    const lines = figureLines(f, 26, 11);
    assert.equal(lines.length, 11);
    assert.ok(lines.every((l) => l.length === 26));
    assert.equal(lines[2], 'quality        all  window');
  });

  it('counts the log’s rows as joined when the log is the source', () => {
    const f = figures(new DashboardModel({ source: 'csv x' }).view(0), { countsJoined: true });
    assert.equal(f[0]!.value, '0');
  });

  it('help line: exactly the width, pause shown before the source', () => {
    const idle = helpLine({ paused: false, helpOpen: false }, 'nats', 80);
    assert.equal(idle.length, 80);
    assert.match(idle, /^ q quit {2}p pause {2}r reset {2}\? help +nats $/);
    const paused = helpLine(
      { paused: true, helpOpen: false },
      'csv /a/very/long/path/to/the/metric_log.csv',
      80,
    );
    assert.equal(paused.length, 80);
    assert.match(paused, /p resume.*PAUSED/);
  });

  it('plain line: the main figures, no escape codes', () => {
    const line = plainLine(model.view(10), false);
    assert.match(line, /^records joined 1,234 \| records \/ s \d+ \| quality all \/ window \| MAE – \/ – \|/);
    assert.ok(!line.includes('\x1b'));
  });

  it('NO_COLOR and TERM=dumb turn colours off', () => {
    assert.equal(themeFor({}).colour, true);
    assert.equal(themeFor({ NO_COLOR: '1' }).colour, false);
    assert.equal(themeFor({ NO_COLOR: '' }).colour, true);
    assert.equal(themeFor({ TERM: 'dumb' }).colour, false);
  });
});
