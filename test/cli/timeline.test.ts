/**
 * The error-over-time PNG as a user gets it: from the one-process pipeline and from `pipeline plot`, next to the
 * histogram by default, elsewhere with --timeline-file, and not at all with --timeline-file "".
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { METRIC_CSV_HEADER } from '../../src/core/metricCsv.js';
import { runCli, startCli } from '../../harness/cli.js';
import { until } from '../../harness/poll.js';
import { tempDir } from '../support/tempDir.js';

const exists = (f: string): Promise<boolean> =>
  access(f).then(
    () => true,
    () => false,
  );

/** Width and height of a PNG, after checking its signature. */
async function pngSize(file: string): Promise<[number, number]> {
  const png = await readFile(file);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

describe('error_over_time.png', () => {
  const folder = tempDir('timeline-cli-');

  it('the pipeline draws it next to the histogram, and not with --timeline-file ""', async () => {
    const on = join(folder(), 'on');
    let r = await runCli(['--interval', '0', '--count', '300', '--log-dir', on, '--window', '50']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await pngSize(join(on, 'error_over_time.png')), [640, 360]);
    assert.ok(await exists(join(on, 'error_distribution.png')));

    const off = join(folder(), 'off');
    r = await runCli(['--interval', '0', '--count', '20', '--log-dir', off, '--timeline-file', '']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(await exists(join(off, 'error_distribution.png')));
    assert.equal(await exists(join(off, 'error_over_time.png')), false);
  });

  it('pipeline plot draws it where --timeline-file says, with the alerts of --alerts-file', async () => {
    const logDir = join(folder(), 'plot');
    await mkdir(logDir);
    const rows = Array.from({ length: 200 }, (_, i) => `p-${i},100,${100 + (i % 9)},${i % 9}\n`).join('');
    await writeFile(join(logDir, 'metric_log.csv'), `${METRIC_CSV_HEADER}\n${rows}`);
    const alerts = join(folder(), 'my-alerts.jsonl');
    const event = {
      at: new Date().toISOString(),
      rule: 'window.mae > 3',
      state: 'firing',
      value: 4,
      threshold: 3,
    };
    await writeFile(alerts, `${JSON.stringify({ ...event, record: 120 })}\n`);
    const timeline = join(folder(), 'elsewhere', 'timeline.png');
    const { child, done } = startCli([
      'plot',
      '--log-dir',
      logDir,
      '--plot-interval',
      '100',
      '--timeline-file',
      timeline,
      '--alerts-file',
      alerts,
    ]);
    try {
      await until(() => exists(timeline), 'the timeline to be drawn');
    } finally {
      child.kill('SIGINT');
    }
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await pngSize(timeline), [640, 360]);
    assert.match(r.stdout + r.stderr, /error_over_time|timeline\.png/);
  });

  it('refuses a window that is not a positive integer', async () => {
    const r = await runCli(['plot', '--window', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--window must be a positive integer/);
  });
});
