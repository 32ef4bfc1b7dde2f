/** The plot service's second image, error_over_time.png: what it is computed from, and when it is rewritten. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatMetricRow, METRIC_CSV_HEADER } from '../../src/core/metricCsv.js';
import { QualityStats } from '../../src/core/qualityStats.js';
import { createPlotter } from '../../src/services/plot.js';
import { createTimeline } from '../../src/services/timeline.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const rows = (from: number, n: number): string => {
  let s = '';
  for (let i = from; i < from + n; i++) {
    const yTrue = 100 + (i % 37);
    const yPred = yTrue + ((i * 7) % 21) - 8;
    s += formatMetricRow({
      id: `r${i}`,
      y_true: yTrue,
      y_pred: yPred,
      absolute_error: Math.abs(yPred - yTrue),
    });
  }
  return s;
};
const alertLine = (record: number, state: 'firing' | 'resolved'): string =>
  `${JSON.stringify({ at: new Date(0).toISOString(), rule: 'window.mae > 5', state, value: 6, threshold: 5, record })}\n`;

describe('plot service: error over time', () => {
  let root: string;
  let n = 0;
  const files = async (): Promise<{
    dir: string;
    csvFile: string;
    imgFile: string;
    file: string;
    alertsFile: string;
  }> => {
    const dir = join(root, `t${n++}`);
    await mkdir(dir);
    return {
      dir,
      csvFile: join(dir, 'metric_log.csv'),
      imgFile: join(dir, 'error_distribution.png'),
      file: join(dir, 'error_over_time.png'),
      alertsFile: join(dir, 'alerts.jsonl'),
    };
  };
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'plot-timeline-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('renders a PNG of the chart size, and does not rewrite it on a tick with nothing new', async () => {
    const { dir, csvFile, imgFile, file, alertsFile } = await files();
    const plotter = createPlotter({ csvFile, imgFile, timeline: { file, alertsFile, windowSize: 50 } });
    assert.equal((await plotter.tick()).timelineRendered, false, 'nothing to draw before the log exists');
    await writeFile(csvFile, `${METRIC_CSV_HEADER}\n${rows(0, 300)}`);
    const first = await plotter.tick();
    assert.equal(first.timelineRendered, true);
    const png = await readFile(file);
    assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE);
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [640, 360]);
    const { mtimeMs } = await stat(file);

    const idle = await plotter.tick();
    assert.equal(idle.timelineRendered, false);
    assert.deepEqual(await readFile(file), png);
    assert.equal((await stat(file)).mtimeMs, mtimeMs, 'not rewritten');

    await appendFile(csvFile, rows(300, 10));
    assert.equal((await plotter.tick()).timelineRendered, true, 'new rows redraw it');
    assert.notDeepEqual(await readFile(file), png);
    assert.deepEqual(
      (await readdir(dir)).sort(),
      ['error_distribution.png', 'error_over_time.png', 'metric_log.csv'],
      'no temp file left',
    );
  });

  it('redraws when the alert log grows, complete lines only, counting bad ones', async () => {
    const { csvFile, imgFile, file, alertsFile } = await files();
    const plotter = createPlotter({ csvFile, imgFile, timeline: { file, alertsFile } });
    await writeFile(csvFile, `${METRIC_CSV_HEADER}\n${rows(0, 100)}`);
    await plotter.tick();
    const before = await readFile(file);
    const half = alertLine(40, 'firing');
    await writeFile(alertsFile, half.slice(0, 20));
    assert.equal((await plotter.tick()).timelineRendered, false, 'a half-written line is not read yet');
    await appendFile(alertsFile, `${half.slice(20)}garbage\n${alertLine(80, 'resolved')}`);
    const tick = await plotter.tick();
    assert.equal(tick.timelineRendered, true);
    assert.equal(tick.malformedAlerts, 1);
    assert.notDeepEqual(await readFile(file), before, 'the marks are drawn');
  });

  it('computes the window figures from the rows, as QualityStats does (to 1e-12)', () => {
    const timeline = createTimeline({
      file: '/nonexistent/x.png',
      alertsFile: '/nonexistent/a',
      windowSize: 20,
    });
    const reference = new QualityStats({ windowSize: 20 });
    for (let i = 0; i < 137; i++) {
      const yTrue = 50 + (i % 11);
      const yPred = yTrue + (i % 5) - 1;
      timeline.add({ id: i, y_true: yTrue, y_pred: yPred, absolute_error: Math.abs(yPred - yTrue) });
      reference.add(yTrue, yPred);
    }
    const last = timeline.points().at(-1)!;
    assert.equal(last.record, 137, 'the latest record ends the line');
    const { mae, bias } = reference.snapshot().window;
    assert.ok(Math.abs(last.mae - mae!) <= 1e-12 * mae!, `${last.mae} vs ${mae}`);
    assert.ok(Math.abs(last.bias - bias!) <= 1e-12 * mae!, `${last.bias} vs ${bias}`);
  });

  it('keeps at most maxPoints points over many rows (flat memory)', () => {
    const timeline = createTimeline({ file: 'x.png', alertsFile: 'a', windowSize: 10, maxPoints: 50 });
    for (let i = 0; i < 100_000; i++)
      timeline.add({ id: i, y_true: i % 7, y_pred: i % 3, absolute_error: 0 });
    const points = timeline.points();
    assert.ok(points.length <= 51, `${points.length} points`);
    assert.equal(points.at(-1)!.record, 100_000);
    assert.ok(points[0]!.record < 100_000 / 25, 'still spans the start of the run');
  });

  it('is off unless configured, and refuses a bad window at once', async () => {
    const { dir, csvFile, imgFile } = await files();
    const plotter = createPlotter({ csvFile, imgFile });
    await writeFile(csvFile, `${METRIC_CSV_HEADER}\n${rows(0, 10)}`);
    assert.equal((await plotter.tick()).timelineRendered, false);
    assert.deepEqual((await readdir(dir)).sort(), ['error_distribution.png', 'metric_log.csv']);
    assert.throws(
      () => createPlotter({ csvFile, imgFile, timeline: { file: 'x', alertsFile: 'y', windowSize: 0 } }),
      RangeError,
    );
  });
});
