/**
 * Acceptance of the model watch in the one-process pipeline, run as a user runs it: `pipeline --transport=memory`.
 * With drift injected into bmi from record 10,000, the summary's figures are those of the metric log, the bmi
 * alert fires after that record and no drift alert before it; without injection no drift alert fires at all.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ALERTS_FILE_NAME, SUMMARY_FILE_NAME } from '../../src/core/summaryBody.js';
import { runCli } from '../../harness/cli.js';
import { tempDir } from '../support/tempDir.js';
import {
  assertSummaryOfRows,
  driftColumns,
  PNG_SIGNATURE,
  psiColumn,
  readAlertLog,
  readMetricRows,
  readSummary,
} from '../support/watchFiles.js';

const DRIFT_FROM = 10_000;
const pipeline = (dir: string, count: number, seed: number, ...more: string[]): string[] => [
  '--transport=memory',
  '--interval',
  '0',
  '--count',
  String(count),
  '--seed',
  String(seed),
  '--no-dashboard',
  '--log-dir',
  dir,
  ...more,
];

describe('the one-process pipeline watching the model', () => {
  const root = tempDir('watch-memory-');

  it(
    `--inject-drift bmi=0.05@${DRIFT_FROM}: figures of the log, the bmi alert after record ${DRIFT_FROM} and none before`,
    { timeout: 90_000 },
    async (t) => {
      const dir = join(root(), 'drift');
      const records = 20_000;
      const t0 = performance.now();
      const r = await runCli(pipeline(dir, records, 1, '--inject-drift', `bmi=0.05@${DRIFT_FROM}`));
      t.diagnostic(
        `${records} records in ${((performance.now() - t0) / 1000).toFixed(1)} s, start-up included`,
      );
      assert.equal(r.code, 0, r.stderr);

      const rows = await readMetricRows(join(dir, 'metric_log.csv'));
      assert.equal(rows.length, records);
      assert.equal(new Set(rows.map((row) => row.id)).size, records, 'every id once');
      const summary = await readSummary(join(dir, SUMMARY_FILE_NAME));
      assertSummaryOfRows(summary, rows);
      assert.equal(summary.drift.enabled, true);
      assert.equal(summary.drift.sources, 1);

      const psiAlerts = (await readAlertLog(join(dir, ALERTS_FILE_NAME))).filter((e) => psiColumn(e.rule));
      const bmi = psiAlerts.find((e) => e.rule === 'psi.bmi > 0.2' && e.state === 'firing');
      assert.ok(bmi, `psi.bmi fires: ${JSON.stringify(psiAlerts)}`);
      t.diagnostic(`psi.bmi fired at record ${bmi.record} with PSI ${bmi.value.toFixed(3)}`);
      assert.ok(bmi.record > DRIFT_FROM, `fired at record ${bmi.record}`);
      assert.ok(bmi.value > 0.2);
      const early = psiAlerts.filter((e) => e.record <= DRIFT_FROM);
      assert.deepEqual(early, [], `no drift alert up to record ${DRIFT_FROM}`);
      for (const e of psiAlerts) assert.ok(driftColumns().includes(psiColumn(e.rule) ?? ''), e.rule);
      assert.ok(
        summary.alerts.some((a) => a.rule === 'psi.bmi > 0.2'),
        'still firing in the summary at exit',
      );

      assert.deepEqual((await readFile(join(dir, 'error_over_time.png'))).subarray(0, 8), PNG_SIGNATURE);
    },
  );

  it(
    'without injection, 100,000 records: drift measured, no drift alert at all',
    { timeout: 90_000 },
    async (t) => {
      const dir = join(root(), 'steady');
      const records = 100_000;
      const t0 = performance.now();
      const r = await runCli(pipeline(dir, records, 2), { timeoutMs: 80_000 });
      t.diagnostic(
        `${records} records in ${((performance.now() - t0) / 1000).toFixed(1)} s, start-up included`,
      );
      assert.equal(r.code, 0, r.stderr);

      const psiAlerts = (await readAlertLog(join(dir, ALERTS_FILE_NAME))).filter((e) => psiColumn(e.rule));
      assert.deepEqual(psiAlerts, [], 'no drift alert');
      const summary = await readSummary(join(dir, SUMMARY_FILE_NAME));
      assert.equal(summary.n, records);
      assert.equal(summary.drift.enabled, true);
      assert.deepEqual(
        Object.keys(summary.drift.psi),
        driftColumns(),
        'PSI of every feature and the prediction',
      );
      for (const [column, psi] of Object.entries(summary.drift.psi))
        assert.ok(psi !== null && psi < 0.2, `psi.${column} = ${psi}`);
      t.diagnostic(
        `largest PSI at exit: ${Math.max(...Object.values(summary.drift.psi).map(Number)).toFixed(4)}`,
      );
    },
  );

  it('run again on the same logs: the figures are those of every row, the earlier run’s too', async () => {
    const dir = join(root(), 'resumed');
    for (const [count, seed] of [
      [2_000, 3],
      [1_500, 4],
    ] as const) {
      const r = await runCli(pipeline(dir, count, seed));
      assert.equal(r.code, 0, r.stderr);
    }
    const rows = await readMetricRows(join(dir, 'metric_log.csv'));
    assert.equal(rows.length, 3_500, 'both runs’ rows, each run with ids of its own');
    const summary = await readSummary(join(dir, SUMMARY_FILE_NAME));
    assert.equal(summary.n, 3_500);
    assertSummaryOfRows(summary, rows);
  });
});
