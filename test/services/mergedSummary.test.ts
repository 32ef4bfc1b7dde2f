/**
 * The plot's summary over metric partitions, on files: the rows of three partition logs give `all` as a batch
 * computation over their union and `window` over the last rows read; the partitions' summaries give drift and
 * alerts; a partition summary that cannot be read is counted and warned about once, never a failure; nothing is
 * written for a folder that is not partitioned or whose metrics write no summary, nor when nothing changed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatMetricRow, METRIC_CSV_HEADER } from '../../src/core/metricCsv.js';
import type { MetricRecord } from '../../src/core/metricsBody.js';
import { seededRandom } from '../../src/core/random.js';
import { createMergedSummary } from '../../src/services/mergedSummary.js';
import { createPlotter } from '../../src/services/plot.js';
import { firing, summaryOf } from '../support/summaries.js';
import { tempDir } from '../support/tempDir.js';
import { assertAllOfRows, assertSummaryOfRows, readSummary } from '../support/watchFiles.js';

const WINDOW = 50;

/** `n` rows of partition `p`, with targets and errors spread like a model's. */
function rowsOf(p: number, n: number, seed: number): MetricRecord[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const y_true = 25 + 300 * random();
    const y_pred = y_true + 60 * (random() - 0.45);
    return { id: `p${p}-${i}`, y_true, y_pred, absolute_error: Math.abs(y_pred - y_true) };
  });
}

const logText = (rows: readonly MetricRecord[]): string =>
  `${METRIC_CSV_HEADER}\n${rows.map(formatMetricRow).join('')}`;

describe('the summary over metric partitions', () => {
  const root = tempDir('merged-summary-');
  let n = 0;
  const folder = async (): Promise<string> => {
    const dir = join(root(), `t${n++}`);
    await mkdir(dir);
    return dir;
  };

  it('all over the union of the partitions’ rows, window over the last read, drift and alerts of the partitions', async () => {
    const dir = await folder();
    const parts = [rowsOf(0, 700, 1), rowsOf(1, 650, 2), rowsOf(2, 720, 3)];
    for (const [p, rows] of parts.entries()) await writeFile(join(dir, `metric_log.${p}.csv`), logText(rows));
    const summaries = [
      {
        ...summaryOf({ psi: { bmi: 0.1 }, alerts: [firing('window.mae > 60', 61)] }),
        updated: '2026-12-04T10:00:00.000Z',
      },
      {
        ...summaryOf({ psi: { bmi: 0.4 }, alerts: [firing('psi.bmi > 0.2', 0.4)] }),
        updated: '2026-12-04T10:00:02.000Z',
      },
      {
        ...summaryOf({ psi: { bmi: 0.3 }, alerts: [firing('psi.bmi > 0.2', 0.3)] }),
        updated: '2026-12-04T10:00:01.000Z',
      },
    ];
    for (const [p, s] of summaries.entries())
      await writeFile(join(dir, `metric_summary.${p}.json`), JSON.stringify(s));
    const file = join(dir, 'metric_summary.json');
    const plotter = createPlotter({
      csvFile: join(dir, 'metric_log.csv'),
      imgFile: join(dir, 'error_distribution.png'),
      summary: { file, windowSize: WINDOW },
    });
    const tick = await plotter.tick();
    assert.equal(tick.summaryWritten, true);
    assert.deepEqual(tick.warnings, []);

    const merged = await readSummary(file);
    const union = parts.flat();
    assertAllOfRows(merged, union, WINDOW);
    assert.equal(merged.partitions, 3);
    assert.deepEqual(merged.drift, summaries[1]!.drift, 'the drift of the latest partition summary');
    assert.deepEqual(merged.alerts, [
      { ...firing('window.mae > 60', 61), partition: 0 },
      { ...firing('psi.bmi > 0.2', 0.4), partition: 1 },
      { ...firing('psi.bmi > 0.2', 0.3), partition: 2 },
    ]);

    // A later read: the window holds the last rows read, every partition's in turn (see `interleave`).
    const more = [rowsOf(0, 30, 4), rowsOf(1, 30, 5), rowsOf(2, 30, 6)];
    for (const [p, rows] of more.entries())
      await appendFile(join(dir, `metric_log.${p}.csv`), rows.map(formatMetricRow).join(''));
    assert.equal((await plotter.tick()).summaryWritten, true);
    const interleaved = more[0]!.flatMap((_, i) => more.map((rows) => rows[i]!));
    assertSummaryOfRows(await readSummary(file), [...union, ...interleaved], WINDOW);
  });

  it('is not rewritten while nothing changed, and is when a partition summary changes', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'metric_log.0.csv'), logText(rowsOf(0, 10, 7)));
    await writeFile(join(dir, 'metric_log.1.csv'), logText(rowsOf(1, 10, 8)));
    await writeFile(join(dir, 'metric_summary.0.json'), JSON.stringify(summaryOf()));
    let now = 0;
    const file = join(dir, 'metric_summary.json');
    const plotter = createPlotter({
      csvFile: join(dir, 'metric_log.csv'),
      imgFile: join(dir, 'error_distribution.png'),
      summary: { file, now: () => (now += 1000) },
    });
    assert.equal((await plotter.tick()).summaryWritten, true);
    const first = await readFile(file, 'utf8');
    assert.equal((await plotter.tick()).summaryWritten, false, 'the same figures: not written again');
    assert.equal(await readFile(file, 'utf8'), first);
    await writeFile(
      join(dir, 'metric_summary.1.json'),
      JSON.stringify(summaryOf({ alerts: [firing('psi.age > 0.2')] })),
    );
    assert.equal((await plotter.tick()).summaryWritten, true, 'a partition summary appeared');
    assert.deepEqual(
      (await readSummary(file)).alerts.map((a) => [a.rule, a.partition]),
      [['psi.age > 0.2', 1]],
    );
  });

  it('counts and warns once about a partition summary it cannot read, and merges the others', async () => {
    const dir = await folder();
    for (const p of [0, 1, 2])
      await writeFile(join(dir, `metric_log.${p}.csv`), logText(rowsOf(p, 20, 10 + p)));
    await writeFile(
      join(dir, 'metric_summary.0.json'),
      JSON.stringify(summaryOf({ alerts: [firing('psi.bmi > 0.2')] })),
    );
    await writeFile(join(dir, 'metric_summary.1.json'), '{"updated": "2026-12-04T10:00:00Z", "n"');
    await writeFile(join(dir, 'metric_summary.2.json'), JSON.stringify({ ...summaryOf(), n: -1 }));
    const file = join(dir, 'metric_summary.json');
    const plotter = createPlotter({
      csvFile: join(dir, 'metric_log.csv'),
      imgFile: join(dir, 'error_distribution.png'),
      summary: { file },
    });
    const first = await plotter.tick();
    assert.equal(first.summaryWritten, true);
    assert.equal(first.unreadableSummaries, 2);
    assert.equal(first.warnings.length, 2);
    assert.match(first.warnings[0]!, /metric_summary\.1\.json: not a summary: not JSON/);
    assert.match(first.warnings[1]!, /metric_summary\.2\.json: not a summary: body\.n must be/);
    const merged = await readSummary(file);
    assert.equal(merged.n, 60);
    assert.deepEqual(
      merged.alerts.map((a) => a.partition),
      [0],
    );

    const again = await plotter.tick();
    assert.equal(again.unreadableSummaries, 2, 'still counted');
    assert.deepEqual(again.warnings, [], 'but warned about once');

    await writeFile(join(dir, 'metric_summary.1.json'), 'still not one, and longer');
    assert.equal((await plotter.tick()).warnings.length, 1, 'a new version of a bad file is a new warning');
  });

  it('writes nothing for a folder that is not partitioned, or whose metrics write no summary', async () => {
    const plain = await folder();
    await writeFile(join(plain, 'metric_log.csv'), logText(rowsOf(0, 10, 20)));
    await writeFile(join(plain, 'metric_summary.0.json'), JSON.stringify(summaryOf()));
    const one = createPlotter({
      csvFile: join(plain, 'metric_log.csv'),
      imgFile: join(plain, 'error_distribution.png'),
      summary: { file: join(plain, 'metric_summary.json') },
    });
    assert.equal((await one.tick()).summaryWritten, false);

    const unwatched = await folder();
    await writeFile(join(unwatched, 'metric_log.0.csv'), logText(rowsOf(0, 10, 21)));
    await writeFile(join(unwatched, 'metric_log.1.csv'), logText(rowsOf(1, 10, 22)));
    const merged = createMergedSummary({ file: join(unwatched, 'metric_summary.json') });
    assert.deepEqual(await merged.write(2), { written: false, unreadable: 0, problems: [] });
    assert.ok(!(await readdir(unwatched)).includes('metric_summary.json'));
  });
});
