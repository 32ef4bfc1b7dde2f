/**
 * The CLI as people type at it: durations with units, fractions where a whole number belongs, a mistyped command
 * or option, and the help's defaults shown as paths one can read from here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../support/tempDir.js';
import { REPO_ROOT, runCli } from '../../harness/cli.js';

describe('the CLI takes what people type', () => {
  const dir = tempDir('pipeline-typed-');

  it('runs with durations given with units, on the command line and in the environment', async () => {
    const logDir = join(dir(), 'units');
    const r = await runCli(
      [
        '--interval',
        '5ms',
        '--count',
        '20',
        '--join-ttl',
        '1m',
        '--drain-timeout',
        '2s',
        '--log-dir',
        logDir,
      ],
      { env: { PIPELINE_PLOT_INTERVAL: '0.5s' } },
    );
    assert.equal(r.code, 0, r.stderr);
    const rows = (await readFile(join(logDir, 'metric_log.csv'), 'utf8')).trim().split('\n');
    assert.equal(rows.length, 21, 'a header and 20 rows');
  });

  it('refuses a value that is no duration with exit 2, naming the flag, the value and the forms', async () => {
    for (const bad of ['5 s', '2x', '-1s']) {
      const r = await runCli(['--interval', bad, '--count', '1']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`--interval must be a duration, got "${bad}".*500ms, 2s, 1\\.5s, 2m, 1h`),
      );
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    const env = await runCli(['metric'], { env: { PIPELINE_JOIN_TTL: '1 m' } });
    assert.equal(env.code, 2, env.stderr);
    assert.match(env.stderr, /PIPELINE_JOIN_TTL must be a duration, got "1 m"/);
  });

  it('refuses a fraction where a whole number belongs', async () => {
    const count = await runCli(['--count', '2.5']);
    assert.equal(count.code, 2, count.stderr);
    assert.match(count.stderr, /--count must be a whole number, got 2\.5/);
    const bins = await runCli(['plot', '--bins', '7.5']);
    assert.equal(bins.code, 2, bins.stderr);
    assert.match(bins.stderr, /--bins must be a whole number, got 7\.5/);
  });

  it('answers a mistyped command with the one meant, exit 2', async () => {
    const r = await runCli(['metrc']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Did you mean metric\?/);
    assert.equal(r.stdout, '');
  });

  it('names a mistyped option and suggests the one meant, exit 2', async () => {
    const r = await runCli(['--intervall', '5']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown argument: intervall/);
    assert.match(r.stderr, /--intervall: did you mean --interval\?/);
    const sub = await runCli(['metric', '--join-tll', '5s']);
    assert.equal(sub.code, 2);
    assert.match(sub.stderr, /--join-tll: did you mean --join-ttl\?/);
  });

  it('shows the accepted forms of a duration in --help', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0, r.stderr);
    const interval = r.stdout.slice(r.stdout.indexOf('--interval'), r.stdout.indexOf('--count'));
    assert.match(interval.replace(/\s+/g, ' '), /\[duration: ms, or 500ms\/2s\/1\.5m\/1h\]/);
  });

  it('shows the shipped files in --help as paths from here, never the install directory', async () => {
    const inRepo = await runCli(['--help'], { cwd: REPO_ROOT });
    assert.match(inRepo.stdout, /\[default: data\/diabetes\.csv\]/);
    assert.match(inRepo.stdout, /\[default: models\/diabetes-linear\.json\]/);
    const elsewhere = await runCli(['train', '--help'], { cwd: dir() });
    assert.match(elsewhere.stdout, /\[default: the package's data\/diabetes\.csv\]/);
    assert.match(
      elsewhere.stdout.replace(/\s+/g, ' '),
      /\[default: the package's models\/diabetes-linear\.json\]/,
    );
    for (const help of [inRepo.stdout, elsewhere.stdout]) assert.ok(!help.includes(REPO_ROOT), help);
  });
});
