/**
 * The metrics endpoint against a real Prometheus, over RabbitMQ with model and metric as processes of the real CLI
 * on the real queues: while they run, /healthz and /readyz answer 200 and promtool accepts their /metrics; a
 * Prometheus of the test's own scrapes them every second, and its HTTP API returns the records the metric logged
 * and the malformed `features` messages the model dead-lettered, equal to what the services themselves report.
 * A model pointed at a port where no broker listens is alive but not ready, and says why.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEATURES } from '../../src/core/topics.js';
import { PIPELINE_METRICS } from '../../src/metrics/metricNames.js';
import { createTransport } from '../../src/transports/createTransport.js';
import { AMQP_URL, brokerReachable } from '../../harness/brokers.js';
import { until } from '../../harness/poll.js';
import {
  freePort,
  prometheusSkipReason,
  promtoolCheckMetrics,
  startPrometheus,
  type RunningPrometheus,
} from '../../harness/prometheus.js';
import { lockRealQueues, resetRealQueues } from '../../harness/realQueues.js';
import { ServiceProcesses, waitForCsvRows } from '../../harness/serviceProcesses.js';

const RECORDS = 300;
const MALFORMED = 3;

const get = async (port: number, path: string): Promise<{ status: number; body: string }> => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
};

/** The one value of `promql` once it equals `want` (polled: Prometheus scrapes every second). */
const settlesAt = (prom: RunningPrometheus, promql: string, want: number): Promise<number> =>
  until(
    async () => {
      const [sample] = await prom.query(promql);
      return sample !== undefined && sample.value === want ? sample.value : undefined;
    },
    `${promql} == ${want}`,
    { timeoutMs: 30_000, intervalMs: 250 },
  );

describe('metrics endpoint, scraped by a real Prometheus', () => {
  const procs = new ServiceProcesses();
  let unlock: (() => Promise<void>) | undefined;
  let prometheus: RunningPrometheus | undefined;
  let skip: string | false = false;

  before(async () => {
    skip = (await prometheusSkipReason()) || (await brokerReachable('rabbitmq', AMQP_URL));
    if (!skip) unlock = await lockRealQueues();
  });

  after(async () => {
    await procs.stopAll();
    await prometheus?.stop();
    try {
      if (unlock) await resetRealQueues();
    } finally {
      await unlock?.();
    }
  });

  it('model without a broker: alive, not ready, saying why', { timeout: 60_000 }, async (t) => {
    if (skip) return t.skip(skip);
    const port = await freePort();
    const nowhere = `amqp://guest:guest@127.0.0.1:${await freePort()}`;
    procs.start('lonely-model', {
      command: 'model',
      args: ['--transport=amqp', '--url', nowhere, '--metrics-port', String(port)],
    });
    await until(async () => (await get(port, '/healthz').catch(() => undefined))?.status === 200, 'healthz', {
      timeoutMs: 20_000,
      watch: procs,
    });
    const ready = await get(port, '/readyz');
    assert.equal(ready.status, 503);
    assert.match(ready.body, /transport is not open yet|amqp transport is (connecting|reconnecting)/);
    assert.equal((await get(port, '/nothing')).status, 404);
    await procs.stop('lonely-model');
  });

  it(
    'amqp: records and dead letters in Prometheus equal what the services counted',
    { timeout: 150_000 },
    async (t) => {
      if (skip) return t.skip(skip);
      await resetRealQueues();
      const dir = await mkdtemp(join(tmpdir(), 'prometheus-e2e-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      const on = ['--transport=amqp', '--url', AMQP_URL];
      const modelPort = await freePort();
      const metricPort = await freePort();
      procs.start('model', { command: 'model', args: [...on, '--metrics-port', String(modelPort)] });
      procs.start('metric', {
        command: 'metric',
        args: [...on, '--log-dir', dir, '--metrics-port', String(metricPort)],
      });
      for (const port of [modelPort, metricPort])
        await until(
          async () => (await get(port, '/readyz').catch(() => undefined))?.status === 200,
          'readyz 200',
          {
            timeoutMs: 30_000,
            watch: procs,
          },
        );
      for (const port of [modelPort, metricPort]) {
        assert.deepEqual(await get(port, '/healthz'), { status: 200, body: 'ok\n' });
        const exposition = (await get(port, '/metrics')).body;
        for (const name of Object.keys(PIPELINE_METRICS))
          assert.match(exposition, new RegExp(`^# TYPE ${name} `, 'm'), `${name} on port ${port}`);
        const check = await promtoolCheckMetrics(exposition);
        assert.deepEqual(check, { code: 0, output: '' }, 'promtool check metrics reports nothing');
      }
      prometheus = await startPrometheus([`127.0.0.1:${modelPort}`, `127.0.0.1:${metricPort}`]);

      const transport = await createTransport({ kind: 'amqp', url: AMQP_URL, logger: () => undefined });
      t.after(() => transport.close());
      for (let i = 0; i < MALFORMED; i++)
        await transport.publishRaw(FEATURES, new TextEncoder().encode(`not json ${i}`));
      procs.start('features', {
        command: 'features',
        args: [...on, '--count', String(RECORDS), '--interval', '0', '--log-dir', dir, '--fresh'],
        exitsByItself: true,
      });
      await waitForCsvRows(join(dir, 'metric_log.csv'), RECORDS, { timeoutMs: 60_000, processes: procs });

      const joined = await settlesAt(
        prometheus,
        'pipeline_records_total{service="metric",topic="y_pred",direction="consumed"}',
        RECORDS,
      );
      const dead = await settlesAt(
        prometheus,
        'sum(pipeline_dead_letters_total{service="model",topic="features"})',
        MALFORMED,
      );
      const predicted = await settlesAt(
        prometheus,
        'pipeline_records_total{service="model",topic="y_pred",direction="published"}',
        RECORDS,
      );
      const [up] = await prometheus.query('sum(up{job="pipeline"})');
      assert.equal(up?.value, 2, 'both targets are up');
      const [connected] = await prometheus.query('sum(pipeline_transport_connected{transport="amqp"})');
      assert.equal(connected?.value, 2);

      // What the services themselves counted: the rows of the metric log, and the model's summary at exit.
      const rows = (await readFile(join(dir, 'metric_log.csv'), 'utf8')).trim().split('\n').length - 1;
      await procs.stop('model');
      await procs.stop('metric');
      const modelSummary = procs.output('model').stdout;
      assert.equal(joined, rows);
      assert.match(modelSummary, new RegExp(`predicted ${predicted},`));
      const codes = [...modelSummary.matchAll(/dead-lettered: (.*)/g)].flatMap((m) =>
        (m[1] ?? '').split(', ').map((part) => Number(part.split(' ')[1])),
      );
      assert.equal(
        codes.reduce((a, b) => a + b, 0),
        dead,
      );
    },
  );
});
