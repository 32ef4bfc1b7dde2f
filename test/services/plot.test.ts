import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatMetricRow, METRIC_CSV_HEADER } from '../../src/core/metricCsv.js';
import type { MetricRecord } from '../../src/core/metricsBody.js';
import { createPlotter } from '../../src/services/plot.js';

const HEADER = `${METRIC_CSV_HEADER}\n`;
const row = (id: MetricRecord['id'], error: number): string =>
  formatMetricRow({ id, y_true: 100, y_pred: 100 + error, absolute_error: error });

/** PNG signature, then IHDR's width and height. */
function pngSize(png: Uint8Array): [number, number] {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(Buffer.from(png.subarray(12, 16)).toString('latin1'), 'IHDR');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

describe('plot service', () => {
  let root: string;
  let n = 0;
  /** A fresh directory per test, with the paths of its log and image. */
  const files = async (): Promise<{ dir: string; csvFile: string; imgFile: string }> => {
    const dir = join(root, `t${n++}`);
    await mkdir(dir);
    return { dir, csvFile: join(dir, 'metric_log.csv'), imgFile: join(dir, 'error_distribution.png') };
  };
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'plot-test-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('does nothing while the log does not exist', async () => {
    const { dir, csvFile, imgFile } = await files();
    const plotter = createPlotter({ csvFile, imgFile });
    assert.deepEqual(await plotter.tick(), {
      rowsAdded: 0,
      malformedRows: 0,
      restarted: false,
      rendered: false,
      timelineRendered: false,
      malformedAlerts: 0,
      summaryWritten: false,
      unreadableSummaries: 0,
      warnings: [],
    });
    assert.deepEqual(await readdir(dir), []);
  });

  it('reads only what was appended, renders a valid PNG, and does not re-render when nothing was added', async () => {
    const { dir, csvFile, imgFile } = await files();
    const plotter = createPlotter({ csvFile, imgFile, bins: 4 });
    await writeFile(csvFile, HEADER + row('a', 0.5) + row('b', 1.5));
    assert.deepEqual(await plotter.tick(), {
      rowsAdded: 2,
      malformedRows: 0,
      restarted: false,
      rendered: true,
      timelineRendered: false,
      malformedAlerts: 0,
      summaryWritten: false,
      unreadableSummaries: 0,
      warnings: [],
    });
    const png = await readFile(imgFile);
    assert.deepEqual(pngSize(png), [640, 360]);

    assert.deepEqual(await plotter.tick(), {
      rowsAdded: 0,
      malformedRows: 0,
      restarted: false,
      rendered: false,
      timelineRendered: false,
      malformedAlerts: 0,
      summaryWritten: false,
      unreadableSummaries: 0,
      warnings: [],
    });
    assert.deepEqual(await readFile(imgFile), png);

    await appendFile(csvFile, row('c', 3.5));
    assert.equal((await plotter.tick()).rowsAdded, 1, 'only the new row');
    const state = plotter.state();
    assert.equal(state.stats.count, 3);
    assert.equal(state.stats.mae, 5.5 / 3);
    assert.deepEqual(
      state.histogram.bins.map((b) => b.count),
      [1, 1, 0, 1],
    );
    assert.notDeepEqual(await readFile(imgFile), png, 're-rendered');
    assert.deepEqual(
      (await readdir(dir)).sort(),
      ['error_distribution.png', 'metric_log.csv'],
      'no temp file left',
    );
  });

  it('keeps a partial last line for the next tick', async () => {
    const { csvFile, imgFile } = await files();
    const plotter = createPlotter({ csvFile, imgFile });
    const line = row('k3j9x2:17', 12.27012342398);
    await writeFile(csvFile, HEADER + line.slice(0, 15));
    assert.equal((await plotter.tick()).rowsAdded, 0);
    await appendFile(csvFile, line.slice(15));
    assert.deepEqual(await plotter.tick(), {
      rowsAdded: 1,
      malformedRows: 0,
      restarted: false,
      rendered: true,
      timelineRendered: false,
      malformedAlerts: 0,
      summaryWritten: false,
      unreadableSummaries: 0,
      warnings: [],
    });
    assert.equal(plotter.state().stats.max, 12.27012342398);
  });

  it('starts over when the log is truncated', async () => {
    const { csvFile, imgFile } = await files();
    const plotter = createPlotter({ csvFile, imgFile });
    await writeFile(csvFile, HEADER + row('a', 1) + row('b', 2) + row('c', 3));
    assert.equal((await plotter.tick()).rowsAdded, 3);
    await truncate(csvFile, 0);
    await appendFile(csvFile, HEADER + row('d', 10));
    assert.deepEqual(await plotter.tick(), {
      rowsAdded: 1,
      malformedRows: 0,
      restarted: true,
      rendered: true,
      timelineRendered: false,
      malformedAlerts: 0,
      summaryWritten: false,
      unreadableSummaries: 0,
      warnings: [],
    });
    assert.equal(plotter.state().stats.count, 1);
    assert.equal(plotter.state().stats.max, 10);
  });

  it('starts over when the log is replaced by a longer file', async () => {
    const { dir, csvFile, imgFile } = await files();
    const plotter = createPlotter({ csvFile, imgFile });
    await writeFile(csvFile, HEADER + row('a', 1));
    await plotter.tick();
    const next = join(dir, 'next.csv');
    await writeFile(next, HEADER + row('x', 4) + row('y', 5) + row('z', 6));
    await rename(next, csvFile);
    const tick = await plotter.tick();
    assert.equal(tick.restarted, true);
    assert.equal(tick.rowsAdded, 3);
    assert.equal(plotter.state().stats.count, 3);
    assert.equal(plotter.state().stats.min, 4);
  });

  it('counts and skips malformed rows, and keeps going', async () => {
    const { csvFile, imgFile } = await files();
    const plotter = createPlotter({ csvFile, imgFile });
    // Blank lines and a repeated header are not rows; a stray quote outside the id spoils its own row only.
    await writeFile(
      csvFile,
      `${HEADER}a,1,2,1\nnot a row\n\nb,1,2,-1\nc,1,x,1\nq,"1,2,1\n${HEADER}f,1,1,0\n`,
    );
    assert.deepEqual(await plotter.tick(), {
      rowsAdded: 2,
      malformedRows: 4,
      restarted: false,
      rendered: true,
      timelineRendered: false,
      malformedAlerts: 0,
      summaryWritten: false,
      unreadableSummaries: 0,
      warnings: [],
    });
    assert.equal(plotter.state().malformedRows, 4);
    assert.equal(plotter.state().stats.count, 2);
  });

  it('resynchronises after an unclosed quoted id and after an endless line', async () => {
    const { csvFile, imgFile } = await files();
    const plotter = createPlotter({ csvFile, imgFile });
    const rows = (from: number, count: number): string =>
      Array.from({ length: count }, (_, i) => row(`r${from + i}`, 1)).join('');
    // An unclosed quote could be a line feed inside an id: rows after it wait...
    await writeFile(csvFile, `${HEADER}"open,1,2,1\n${rows(0, 10)}`);
    assert.equal((await plotter.tick()).rowsAdded, 0);
    // ...until the record is longer than any valid one; then it is one malformed row and reading resumes.
    await appendFile(csvFile, rows(10, 100));
    const tick = await plotter.tick();
    assert.equal(tick.malformedRows, 1);
    assert.ok(tick.rowsAdded > 0 && tick.rowsAdded < 110, String(tick.rowsAdded));

    // A line with no end in sight is dropped up to its line feed.
    await appendFile(csvFile, 'x'.repeat(5000));
    assert.deepEqual(await plotter.tick(), {
      rowsAdded: 0,
      malformedRows: 1,
      restarted: false,
      rendered: false,
      timelineRendered: false,
      malformedAlerts: 0,
      summaryWritten: false,
      unreadableSummaries: 0,
      warnings: [],
    });
    await appendFile(csvFile, `${'x'.repeat(5000)}\n${rows(200, 3)}`);
    assert.deepEqual(await plotter.tick(), {
      rowsAdded: 3,
      malformedRows: 0,
      restarted: false,
      rendered: true,
      timelineRendered: false,
      malformedAlerts: 0,
      summaryWritten: false,
      unreadableSummaries: 0,
      warnings: [],
    });
  });

  it('renders again on the next tick when rendering failed', async () => {
    const { dir, csvFile } = await files();
    const imgFile = join(dir, 'later', 'plot.png');
    const plotter = createPlotter({ csvFile, imgFile });
    await writeFile(csvFile, HEADER + row('a', 1));
    await assert.rejects(plotter.tick(), { code: 'ENOENT' });
    await mkdir(join(dir, 'later'));
    assert.deepEqual(await plotter.tick(), {
      rowsAdded: 0,
      malformedRows: 0,
      restarted: false,
      rendered: true,
      timelineRendered: false,
      malformedAlerts: 0,
      summaryWritten: false,
      unreadableSummaries: 0,
      warnings: [],
    });
    pngSize(await readFile(imgFile));
    assert.deepEqual(await readdir(join(dir, 'later')), ['plot.png'], 'the failed temp file was cleaned up');
  });

  it('serialises concurrent ticks: no row is read twice', async () => {
    const { csvFile, imgFile } = await files();
    const plotter = createPlotter({ csvFile, imgFile });
    await writeFile(csvFile, HEADER + Array.from({ length: 50 }, (_, i) => row(i, i)).join(''));
    const ticks = await Promise.all([plotter.tick(), plotter.tick(), plotter.tick()]);
    assert.equal(
      ticks.reduce((sum, t) => sum + t.rowsAdded, 0),
      50,
    );
    assert.equal(plotter.state().stats.count, 50);
  });

  it('refuses bad options at once', () => {
    assert.throws(() => createPlotter({ csvFile: 'x', imgFile: 'y', bins: 0 }), RangeError);
    assert.throws(() => createPlotter({ csvFile: 'x', imgFile: 'y', maxBytesPerTick: 0 }), RangeError);
  });
});
