/**
 * Model watching as a user runs it: a bad alert rule stops `pipeline metric` before it connects, and the
 * one-process pipeline writes its summary and trace, or no summary with --no-watch.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summaryBody } from '../../src/core/summaryBody.js';
import { REPO_ROOT, runCli } from '../../harness/cli.js';

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

const dir = await mkdtemp(join(tmpdir(), 'metric-watch-cli-'));
after(() => rm(dir, { recursive: true, force: true }));

describe('model watch on the command line', () => {
  it('refuses a bad --alert with exit 2, naming the rule and what was expected, before connecting', async () => {
    // A port nothing listens on: reaching it would mean the rule was checked too late.
    const url = 'nats://127.0.0.1:1';
    const r = await runCli(['metric', '--transport=nats', '--url', url, '--alert', 'window.mae >> 60'], {
      cwd: dir,
      timeoutMs: 20_000,
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /alert rule "window\.mae >> 60": found ">" at position 13; expected a threshold/);
    assert.doesNotMatch(r.stderr, /connect/i);

    const env = await runCli(['metric', '--transport=nats', '--url', url], {
      cwd: dir,
      env: { PIPELINE_ALERT: 'all.mae > 50; psi.nope > 0.2' },
      timeoutMs: 20_000,
    });
    assert.equal(env.code, 2, env.stderr);
    assert.match(
      env.stderr,
      /alert rule "psi\.nope > 0\.2": unknown feature "nope" .*expected one of .*psi\.bmi/,
    );
  });

  it('pipeline writes the summary at exit and traces every message; --no-watch writes no summary', async () => {
    const common = ['--transport=memory', '--count', '300', '--interval', '0', '--no-dashboard'];
    const watched = join(dir, 'watched');
    const trace = join(watched, 'labels_log.txt');
    // A model file without a reference profile, as older ones are: drift off, said once.
    const model = JSON.parse(await readFile(join(REPO_ROOT, 'models', 'diabetes-linear.json'), 'utf8')) as {
      reference?: unknown;
    };
    delete model.reference;
    const bare = join(dir, 'bare-model.json');
    await writeFile(bare, JSON.stringify(model));
    const r = await runCli([...common, '--log-dir', watched, '--trace-file', trace, '--model', bare], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    const summary = summaryBody(JSON.parse(await readFile(join(watched, 'metric_summary.json'), 'utf8')));
    assert.ok(summary.ok);
    assert.equal(summary.value.n, 300);
    assert.equal(summary.value.drift.enabled, false);
    assert.match(r.stderr, /drift off: the model file .* has no reference profile/);
    const lines = (await readFile(trace, 'utf8')).trim().split('\n');
    assert.equal(lines.length, 600, 'a line per y_true and per y_pred');
    assert.equal(lines.filter((l) => / y_true /.test(l)).length, 300);

    const quiet = join(dir, 'quiet');
    const q = await runCli([...common, '--log-dir', quiet, '--no-watch'], { cwd: dir });
    assert.equal(q.code, 0, q.stderr);
    assert.ok((await stat(join(quiet, 'metric_log.csv'))).size > 0, 'the metric log is written');
    assert.equal(await exists(join(quiet, 'metric_summary.json')), false);
    assert.equal(await exists(join(quiet, 'alerts.jsonl')), false);
  });
});
