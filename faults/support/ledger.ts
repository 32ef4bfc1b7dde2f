/**
 * The books of one run: which records went in, which rows came out of the metric log, and what became of the
 * difference. The promise under test: every record that entered the pipeline is in metric_log.csv exactly once,
 * or is counted as unmatched or dead-lettered with a reason.
 */
import { readFile } from 'node:fs/promises';
import { METRIC_CSV_HEADER, parseMetricRow } from '../../src/core/metricCsv.js';

export interface Ledger {
  /** Data rows in the log. */
  readonly rows: number;
  /** Expected ids with no row. */
  readonly lost: number;
  /** Rows beyond the first of their id. */
  readonly duplicated: number;
  /** Rows whose id is not one of the expected ids (a record re-sent under a new id, or garbage). */
  readonly foreign: number;
  /** Rows that do not parse, or whose error is not |y_true - y_pred|. */
  readonly invalid: number;
  /** The log ends with a line feed (no half-written row). */
  readonly endsWithNewline: boolean;
  /** A few lost ids, for the failure message. */
  readonly lostSample: readonly string[];
}

/** Reads the log and balances it against the ids that were sent. */
export async function readLedger(csvFile: string, expected: Iterable<string>): Promise<Ledger> {
  const text = await readFile(csvFile, 'utf8').catch(() => `${METRIC_CSV_HEADER}\n`);
  const lines = text.split('\n');
  const header = lines.shift();
  const last = lines.pop();
  const seen = new Map<string, number>();
  let invalid = header === METRIC_CSV_HEADER ? 0 : 1;
  for (const line of lines) {
    const row = parseMetricRow(line);
    if (!row.ok) {
      invalid++;
      continue;
    }
    const { id, y_true, y_pred, absolute_error } = row.value;
    if (absolute_error !== Math.abs(y_true - y_pred)) invalid++;
    const key = String(id);
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const wanted = new Set(expected);
  const lostIds = [...wanted].filter((id) => !seen.has(id));
  let duplicated = 0;
  let foreign = 0;
  for (const [id, n] of seen) {
    duplicated += n - 1;
    if (!wanted.has(id)) foreign++;
  }
  return {
    rows: lines.length,
    lost: lostIds.length,
    duplicated,
    foreign,
    invalid,
    endsWithNewline: last === '',
    lostSample: lostIds.slice(0, 5),
  };
}
