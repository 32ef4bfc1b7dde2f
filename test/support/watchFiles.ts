/**
 * What a metric that watches the model leaves in its log folder, read back through the validators the services
 * use: the rows of metric_log.csv, metric_summary.json and alerts.jsonl; and the check that the summary's figures
 * are those of the rows, as `batchQuality` computes them in two plain passes.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { batchQuality } from '../../src/core/batchQuality.js';
import { METRIC_CSV_HEADER, parseMetricRow } from '../../src/core/metricCsv.js';
import type { MetricRecord } from '../../src/core/metricsBody.js';
import { DEFAULT_WINDOW_SIZE, type QualityFigures, type QualitySnapshot } from '../../src/core/quality.js';
import { DEFAULT_RELATIVE_ACCURACY } from '../../src/core/quantileSketch.js';
import { PREDICTION_COLUMN } from '../../src/core/referenceProfile.js';
import { summaryBody, type AlertEventBody, type SummaryBody } from '../../src/core/summaryBody.js';
import { parseAlertLine } from '../../src/files/alertLogReader.js';
import { diabetes } from './watchRig.js';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Every row of a finished metric log, in file order; fails unless it has the header and ends with a newline. */
export async function readMetricRows(file: string): Promise<MetricRecord[]> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  assert.equal(lines.shift(), METRIC_CSV_HEADER, 'the header is unchanged');
  assert.equal(lines.pop(), '', 'the log ends with a newline');
  return lines.map((line) => {
    const row = parseMetricRow(line);
    assert.ok(row.ok, `${line}: ${row.ok ? '' : row.reason}`);
    return row.value;
  });
}

/** The summary file, which must be a valid SummaryBody. */
export async function readSummary(file: string): Promise<SummaryBody> {
  const checked = summaryBody(JSON.parse(await readFile(file, 'utf8')));
  assert.ok(checked.ok, `${file}: ${checked.ok ? '' : checked.reason}`);
  return checked.value;
}

/** Every line of the alert log, each of which must be an AlertEventBody; none when the file does not exist. */
export async function readAlertLog(file: string): Promise<AlertEventBody[]> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw e;
  });
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const event = parseAlertLine(line);
      assert.ok(event, `not an alert event: ${line}`);
      return event;
    });
}

/** The column a `psi.<column> > …` rule watches, or undefined for a rule on another figure. */
export const psiColumn = (rule: string): string | undefined => /^psi\.([^\s]+) /.exec(rule)?.[1];

/** The columns drift is measured on with the shipped model: its features, then the prediction. */
export const driftColumns = (): readonly string[] => [...diabetes().model.features, PREDICTION_COLUMN];

const SUMS = ['mae', 'rmse', 'bias', 'r2', 'max'] as const satisfies readonly (keyof QualityFigures)[];
const PERCENTILES = ['p50', 'p95', 'p99'] as const satisfies readonly (keyof QualityFigures)[];

function assertClose(actual: number | null, expected: number | null, tolerance: number, what: string): void {
  assert.ok(actual !== null && expected !== null, `${what}: both set (${actual}, ${expected})`);
  const scale = Math.max(Math.abs(expected), Number.MIN_VALUE);
  assert.ok(Math.abs(actual - expected) <= tolerance * scale, `${what}: ${actual} vs ${expected}`);
}

/**
 * The summary's quality figures are those of `rows` (the metric log, in order): all of them and the last
 * `windowSize`, to 1e-9 relative for the sums and the maximum; the window's percentiles exactly, the all-time
 * ones within the quantile sketch's relative accuracy.
 */
export function assertSummaryOfRows(
  summary: SummaryBody,
  rows: readonly MetricRecord[],
  windowSize = DEFAULT_WINDOW_SIZE,
): void {
  const batch = assertAllOfRows(summary, rows, windowSize);
  for (const k of SUMS) assertClose(summary.window[k], batch.window[k], 1e-9, `window.${k}`);
  for (const k of PERCENTILES) assert.equal(summary.window[k], batch.window[k], `window.${k} exactly`);
}

/**
 * The summary's all-time figures are those of `rows`, in any order (see `assertSummaryOfRows`), and its window
 * holds as many as it should; returns the batch computation over `rows`.
 */
export function assertAllOfRows(
  summary: SummaryBody,
  rows: readonly MetricRecord[],
  windowSize = DEFAULT_WINDOW_SIZE,
): QualitySnapshot {
  const batch = batchQuality(
    rows.map((r) => r.y_true),
    rows.map((r) => r.y_pred),
    windowSize,
  );
  assert.equal(summary.n, rows.length, 'the summary counts every row');
  assert.equal(summary.window.size, windowSize);
  assert.equal(summary.window.n, batch.window.n);
  for (const k of SUMS) assertClose(summary.all[k], batch.all[k], 1e-9, `all.${k}`);
  for (const k of PERCENTILES)
    assertClose(
      summary.all[k],
      batch.all[k],
      DEFAULT_RELATIVE_ACCURACY,
      `all.${k} within the sketch's accuracy`,
    );
  return batch;
}
