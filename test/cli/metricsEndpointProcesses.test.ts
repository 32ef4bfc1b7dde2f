/**
 * The metrics endpoint of the processes that the broker tests do not cover: the one-process pipeline on the
 * memory transport (every flow in one exposition, labelled `service="pipeline"`) and `pipeline plot`, which has no
 * transport at all. Each is alive and ready while it runs, its /metrics passes `promtool check metrics`, and its
 * counters say what it did.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliCommand } from '../../harness/cli.js';
import { until } from '../../harness/poll.js';
import { freePort, prometheusSkipReason, promtoolCheckMetrics } from '../../harness/prometheus.js';
import { ServiceProcesses, waitForCsvRows } from '../../harness/serviceProcesses.js';
import { PIPELINE_METRICS } from '../../src/metrics/metricNames.js';

const get = async (port: number, path: string): Promise<{ status: number; body: string }> => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
};

/** The value of the one series `name{labels}` (labels in the exposition's order), or undefined. */
const sample = (exposition: string, series: string): number | undefined => {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

/** /healthz and /readyz both 200, and an exposition promtool accepts with every metric of the contract. */
async function checkEndpoint(port: number, promtool: boolean): Promise<string> {
  assert.deepEqual(await get(port, '/healthz'), { status: 200, body: 'ok\n' });
  assert.equal((await get(port, '/readyz')).status, 200);
  const exposition = (await get(port, '/metrics')).body;
  for (const name of Object.keys(PIPELINE_METRICS))
    assert.match(exposition, new RegExp(`^# TYPE ${name} `, 'm'), name);
  if (promtool) assert.deepEqual(await promtoolCheckMetrics(exposition), { code: 0, output: '' });
  return exposition;
}

describe('metrics endpoint of the one-process pipeline and of plot', () => {
  const procs = new ServiceProcesses();
  let dir = '';
  let promtool = false;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'endpoint-'));
    promtool = (await prometheusSkipReason()) === false;
  });
  after(async () => {
    await procs.stopAll();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'the memory pipeline: ready while it runs, every flow counted under service="pipeline"',
    { timeout: 90_000 },
    async () => {
      const port = await freePort();
      const records = 3000;
      const { command, argv } = cliCommand([
        '--transport=memory',
        ...['--count', String(records), '--interval', '2', '--seed', '3'],
        ...['--log-dir', dir, '--metrics-port', String(port)],
      ]);
      procs.start('pipeline', { executable: command, args: argv, exitsByItself: true });
      await until(
        async () => (await get(port, '/readyz').catch(() => undefined))?.status === 200,
        'readyz 200',
        {
          timeoutMs: 30_000,
          watch: procs,
        },
      );
      // Some records joined, not all: the figures are read while it runs.
      await waitForCsvRows(join(dir, 'metric_log.csv'), 100, { timeoutMs: 30_000, processes: procs });
      const exposition = await checkEndpoint(port, promtool);
      const series = (topic: string, direction: string): number | undefined =>
        sample(
          exposition,
          `pipeline_records_total{topic="${topic}",direction="${direction}",service="pipeline"}`,
        );
      const flows = {
        features: series('features', 'published'),
        y_true: series('y_true', 'published'),
        predicted: series('features', 'consumed'),
        y_pred: series('y_pred', 'published'),
        joined: series('y_pred', 'consumed'),
      };
      for (const [flow, n] of Object.entries(flows)) assert.ok(n !== undefined && n > 0, `${flow}: ${n}`);
      assert.ok(flows.joined! <= flows.y_pred! && flows.y_pred! <= flows.features!, JSON.stringify(flows));
      assert.ok(flows.joined! < records, 'read while the run goes on');
      assert.ok((sample(exposition, 'pipeline_absolute_error_count{service="pipeline"}') ?? 0) > 0);
      assert.deepEqual(await procs.waitForExit('pipeline', 60_000), { code: 0, signal: null });
      await assert.rejects(get(port, '/healthz'), 'the endpoint closes with the pipeline');
    },
  );

  it(
    'plot: alive and ready without any transport, labelled service="plot"',
    { timeout: 60_000 },
    async () => {
      const logDir = join(dir, 'plot');
      await mkdir(logDir);
      await writeFile(
        join(logDir, 'metric_log.csv'),
        'id,y_true,y_pred,absolute_error\n1,100,110,10\n2,150,140,10\n3,80,110,30\n',
      );
      const port = await freePort();
      procs.start('plot', { command: 'plot', args: ['--log-dir', logDir, '--metrics-port', String(port)] });
      await until(
        async () => (await get(port, '/readyz').catch(() => undefined))?.status === 200,
        'readyz 200',
        {
          timeoutMs: 30_000,
          watch: procs,
        },
      );
      const exposition = await checkEndpoint(port, promtool);
      assert.match(exposition, /^process_cpu_seconds_total\{service="plot"\} /m);
      assert.doesNotMatch(exposition, /service="(?!plot")/, 'every series is the plot’s');
      await procs.stop('plot');
      assert.equal(procs.run('plot').exit?.code, 0);
    },
  );
});
