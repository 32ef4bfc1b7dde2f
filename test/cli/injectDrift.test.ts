/** `--inject-drift` as a user gives it: a bad value stops the command before it runs; a good one moves predictions. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../../harness/cli.js';
import { readModel } from '../../src/files/readModel.js';
import { tempDir } from '../support/tempDir.js';

const UNKNOWN =
  /^pipeline: --inject-drift "nope=1@0": unknown feature "nope"; the data set has age, sex, bmi, bp, s1, s2, s3, s4, s5, s6\n$/;
const run = (logDir: string, more: readonly string[]): string[] => [
  '--transport=memory',
  '--count',
  '20',
  '--interval',
  '0',
  '--seed',
  '1',
  '--run-id',
  'inj',
  '--log-dir',
  logDir,
  '--no-dashboard',
  ...more,
];

/** y_pred of each record in a metric log, by id. */
async function predictions(logDir: string): Promise<Map<string, number>> {
  const text = await readFile(join(logDir, 'metric_log.csv'), 'utf8');
  const rows = text.trim().split('\n').slice(1);
  return new Map(rows.map((line) => line.split(',')).map(([id, , yPred]) => [id ?? '', Number(yPred)]));
}

describe('--inject-drift', () => {
  const dir = tempDir('inject-drift-');

  it('pipeline features refuses an unknown feature with exit 2, listing the data set’s features', async () => {
    const logDir = join(dir(), 'features');
    const r = await runCli([
      'features',
      '--inject-drift',
      'nope=1@0',
      '--transport=memory',
      '--log-dir',
      logDir,
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, UNKNOWN);
    assert.ok(!existsSync(logDir), 'refused before its progress file is opened');
  });

  it('the one-process pipeline refuses it too, before anything runs', async () => {
    const logDir = join(dir(), 'refused');
    const r = await runCli(run(logDir, ['--inject-drift', 'nope=1@0']));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, UNKNOWN);
    assert.ok(!existsSync(join(logDir, 'metric_log.csv')), 'no record was logged');
  });

  it('PIPELINE_INJECT_DRIFT takes several values separated by ; and names the bad one', async () => {
    const r = await runCli(run(join(dir(), 'env'), []), {
      env: { PIPELINE_INJECT_DRIFT: 'bmi=0.05@5;nope=1@0' },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, UNKNOWN);
  });

  it('bmi=0.05@5 runs to exit 0 and moves exactly the predictions from record 5 on, by coefficient × 0.05', async () => {
    const plain = join(dir(), 'plain');
    const shifted = join(dir(), 'shifted');
    const [a, b] = await Promise.all([
      runCli(run(plain, [])),
      runCli(run(shifted, ['--inject-drift', 'bmi=0.05@5'])),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const model = await readModel('models/diabetes-linear.json');
    const step = 0.05 * model.coefficients[model.features.indexOf('bmi')]!;
    const [before, after] = [await predictions(plain), await predictions(shifted)];
    assert.equal(before.size, 20);
    assert.deepEqual(
      [...after.keys()].sort(),
      [...before.keys()].sort(),
      'the same records, by seed and run id',
    );
    for (let sequence = 0; sequence < 20; sequence++) {
      const id = `inj-${sequence}`;
      const moved = after.get(id)! - before.get(id)!;
      if (sequence < 5) assert.equal(moved, 0, `${id} is not shifted`);
      else assert.ok(Math.abs(moved - step) < 1e-9 * Math.abs(step), `${id} moved by ${moved}, not ${step}`);
    }
  });
});
