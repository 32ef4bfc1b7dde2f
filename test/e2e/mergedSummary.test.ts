/**
 * The summary over metric partitions, run as a user runs it: the one-process pipeline writes three partition
 * logs, three partition summaries stand beside them as three metrics would leave them (their figures do not
 * matter: only their drift and alerts are merged), `pipeline plot` over the folder writes metric_summary.json
 * whose `all` is a batch computation over every row of the three logs, and `pipeline dashboard --from-csv` shows
 * it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SUMMARY_FILE_NAME, summaryBody, type SummaryBody } from '../../src/core/summaryBody.js';
import { runCli, startCli } from '../../harness/cli.js';
import { until } from '../../harness/poll.js';
import { firing, summaryOf } from '../support/summaries.js';
import { tempDir } from '../support/tempDir.js';
import { assertAllOfRows, readMetricRows } from '../support/watchFiles.js';

const RECORDS = 3000;
const PARTITIONS = [0, 1, 2];

/** The merged summary once it counts every record, else undefined (absent, being replaced, or behind). */
async function mergedOf(file: string): Promise<SummaryBody | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const checked = summaryBody(JSON.parse(text));
  return checked.ok && checked.value.n === RECORDS ? checked.value : undefined;
}

describe('pipeline plot over three metric partitions', () => {
  const root = tempDir('merged-summary-e2e-');

  it(
    'writes one summary over every partition, which dashboard --from-csv shows',
    { timeout: 90_000 },
    async (t) => {
      const dir = root();
      const run = await runCli(
        [
          '--transport=memory',
          '--partitions',
          '3',
          '--interval',
          '0',
          '--count',
          String(RECORDS),
          '--seed',
          '3',
          '--no-dashboard',
          '--log-dir',
          dir,
          // The one-process pipeline watches every partition in one summary of its own: none here, the plot's it is.
          '--summary-file',
          '',
        ],
        { timeoutMs: 60_000 },
      );
      assert.equal(run.code, 0, run.stderr);
      const rows = (
        await Promise.all(PARTITIONS.map((p) => readMetricRows(join(dir, `metric_log.${p}.csv`))))
      ).flat();
      assert.equal(rows.length, RECORDS);

      const updated = ['2026-12-04T10:00:01.000Z', '2026-12-04T10:00:03.000Z', '2026-12-04T10:00:02.000Z'];
      const partitionSummaries = PARTITIONS.map((p) => ({
        ...summaryOf({ psi: { bmi: 0.1 * (p + 1) }, alerts: [firing(`window.mae > ${60 + p}`, 70)] }),
        updated: updated[p]!,
      }));
      for (const p of PARTITIONS)
        await writeFile(join(dir, `metric_summary.${p}.json`), JSON.stringify(partitionSummaries[p]));

      const file = join(dir, SUMMARY_FILE_NAME);
      const plot = startCli(['plot', '--log-dir', dir, '--plot-interval', '200', '--window', '500']);
      let merged: SummaryBody;
      try {
        merged = await until(() => mergedOf(file), 'the merged summary of every row', {
          timeoutMs: 60_000,
          intervalMs: 100,
        });
      } finally {
        plot.child.kill('SIGTERM');
      }
      const stopped = await plot.done;
      assert.equal(stopped.code, 0, stopped.stderr);
      t.diagnostic(`plot said: ${stopped.stderr.trim().split('\n').join(' / ')}`);

      assertAllOfRows(merged, rows, 500);
      assert.equal(merged.partitions, 3);
      assert.deepEqual(merged.drift, partitionSummaries[1]!.drift, 'drift of the latest partition summary');
      assert.deepEqual(
        merged.alerts.map((a) => [a.rule, a.partition]),
        PARTITIONS.map((p) => [`window.mae > ${60 + p}`, p]),
      );

      // No terminal: the dashboard prints plain lines, the last one as it stops.
      const dash = startCli(['dashboard', '--from-csv', join(dir, 'metric_log.csv')]);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      dash.child.kill('SIGTERM');
      const shown = await dash.done;
      const last = shown.stdout.trim().split('\n').at(-1) ?? '';
      t.diagnostic(`dashboard: ${last}`);
      for (const p of PARTITIONS) assert.ok(last.includes(`ALERT window.mae > ${60 + p}`), last);
      assert.match(last, /records joined 3,000/);
    },
  );
});
