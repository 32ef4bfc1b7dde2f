/**
 * Alerts across a restart of the one-process pipeline on the same logs: an alert still true when it starts again
 * is carried on (no second `firing` line), and one that has stopped being true resolves in the alert log.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ALERTS_FILE_NAME, SUMMARY_FILE_NAME } from '../../src/core/summaryBody.js';
import { runCli, type CliResult } from '../../harness/cli.js';
import { tempDir } from '../support/tempDir.js';
import { readAlertLog, readSummary } from '../support/watchFiles.js';

const MAE = 'window.mae > 1';
const BMI = 'psi.bmi > 0.2';

const run = (dir: string, ...more: string[]): Promise<CliResult> =>
  runCli(
    [
      '--transport=memory',
      ...['--interval', '0', '--count', '3000', '--no-dashboard', '--log-dir', dir],
      ...['--alert', MAE, '--alert', BMI],
      ...more,
    ],
    { timeoutMs: 60_000 },
  );

describe('alerts when the pipeline starts again on its logs', () => {
  const root = tempDir('alerts-resume-');

  it('carries on what still fires and resolves what no longer does', { timeout: 120_000 }, async () => {
    const dir = root();
    const first = await run(dir, '--inject-drift', 'bmi=0.05@0');
    assert.equal(first.code, 0, first.stderr);
    const before = await readAlertLog(join(dir, ALERTS_FILE_NAME));
    assert.deepEqual(
      before.map((e) => `${e.rule} ${e.state}`).sort(),
      [`${BMI} firing`, `${MAE} firing`],
      'the first run fires both',
    );
    const maeFiredAt = before.find((e) => e.rule === MAE)!.at;

    const second = await run(dir); // no drift any more: bmi comes back, the errors stay above 1
    assert.equal(second.code, 0, second.stderr);
    assert.ok(
      second.stderr.includes(`still firing from before: ${MAE}; ${BMI}`),
      `the second run says what it carries on:\n${second.stderr}`,
    );
    const after = await readAlertLog(join(dir, ALERTS_FILE_NAME));
    const added = after.slice(before.length);
    assert.deepEqual(
      added.map((e) => `${e.rule} ${e.state}`),
      [`${BMI} resolved`],
      'the bmi alert resolves; the MAE alert, still true, does not fire again',
    );
    assert.ok(added[0]!.record > 3000, `counted on from the first run's rows (${added[0]!.record})`);
    const summary = await readSummary(join(dir, SUMMARY_FILE_NAME));
    assert.deepEqual(
      summary.alerts.map((a) => [a.rule, a.since]),
      [[MAE, maeFiredAt]],
      'the summary lists the MAE alert as firing since the first run',
    );
  });
});
