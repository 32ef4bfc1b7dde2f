/**
 * The metrics endpoint: its registry holds exactly the metric contract (src/metrics/metricNames.ts), its counters
 * follow the service events, and its probes say why the process is not ready.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openMetricsEndpoint, type MetricsEndpoint } from '../../src/cli/metricsEndpoint.js';
import { ServiceCounters } from '../../src/delivery/serviceCounters.js';
import type { ServiceEvent } from '../../src/delivery/serviceEvents.js';
import { PIPELINE_METRICS } from '../../src/metrics/metricNames.js';
import { pipelineRegistry } from '../../src/metrics/pipelineRegistry.js';
import { TopicTally } from '../../src/metrics/topicTally.js';
import { MemoryTransport } from '../../src/transports/memory/memoryTransport.js';

const get = async (
  port: number,
  path: string,
  accept?: string,
): Promise<{ status: number; body: string }> => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, accept ? { headers: { accept } } : {});
  return { status: res.status, body: await res.text() };
};

/** The value of one series in the Prometheus text, or undefined when it is absent. */
const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

const joined = (n: number, error: number): ServiceEvent => ({
  kind: 'joined',
  record: { id: `r-${n}`, y_true: 100, y_pred: 100 + error, absolute_error: Math.abs(error) },
  pending: 0,
});

describe('the metric registry', () => {
  it('registers exactly the contract: names, types and label names, plus the service label', async () => {
    const tally = new TopicTally();
    const counters = new ServiceCounters();
    const { registry } = pipelineRegistry('pipeline', () => ({ tally, counters: () => counters.snapshot() }));
    const ours = (await registry.getMetricsAsJSON()).filter((m) => m.name.startsWith('pipeline_'));
    assert.deepEqual(ours.map((m) => m.name).sort(), Object.keys(PIPELINE_METRICS).sort());
    for (const m of ours) {
      const contract = PIPELINE_METRICS[m.name as keyof typeof PIPELINE_METRICS];
      assert.equal(m.type, contract.type, m.name);
      const labelNames = (registry.getSingleMetric(m.name) as unknown as { labelNames: string[] }).labelNames;
      assert.deepEqual(labelNames, [...contract.labels], m.name);
    }
    const text = await registry.metrics();
    assert.match(text, /^pipeline_join_buffer_records\{service="pipeline"\} 0$/m);
    assert.ok(!/nodejs_active_handles_total/.test(text), 'gauges named *_total are left out');
    assert.match(text, /^process_cpu_user_seconds_total\{service="pipeline"\}/m);
  });

  it('counts the records, dead letters, retries, unmatched and duplicates the events report', async () => {
    const tally = new TopicTally();
    const counters = new ServiceCounters();
    const { registry, observeError } = pipelineRegistry('metric', () => ({
      tally,
      counters: () => counters.snapshot(),
    }));
    const events: ServiceEvent[] = [
      joined(1, 3),
      joined(2, -45),
      joined(3, 250),
      { kind: 'dead-lettered', topic: 'y_pred', code: 'malformed', reason: 'malformed: not JSON' },
      { kind: 'dead-lettered', topic: 'y_pred', code: 'malformed', reason: 'malformed: not JSON' },
      { kind: 'unmatched', topic: 'y_true', id: 7, reason: 'no partner', pending: 0 },
      { kind: 'duplicate', topic: 'y_true', pending: 0 },
      { kind: 'retried', topic: 'y_pred', reason: 'csv write failed' },
    ];
    for (const e of events) {
      counters.add(e);
      if (e.kind === 'joined') observeError(e.record.absolute_error);
      else tally.add(e);
    }
    const text = await registry.metrics();
    const s = ',service="metric"}';
    // Consumed: joined records plus the messages settled otherwise (dead letters, unmatched, duplicates).
    assert.equal(value(text, `pipeline_records_total{topic="y_pred",direction="consumed"${s}`), 3 + 2);
    assert.equal(value(text, `pipeline_records_total{topic="y_true",direction="consumed"${s}`), 3 + 2);
    assert.equal(value(text, `pipeline_records_total{topic="features",direction="published"${s}`), undefined);
    assert.equal(value(text, `pipeline_dead_letters_total{topic="y_pred",reason="malformed"${s}`), 2);
    assert.equal(value(text, `pipeline_dead_letters_total{topic="y_true",reason="unmatched"${s}`), 1);
    assert.equal(value(text, `pipeline_unmatched_total{topic="y_true"${s}`), 1);
    assert.equal(value(text, `pipeline_duplicates_total{topic="y_true"${s}`), 1);
    assert.equal(value(text, `pipeline_retries_total{topic="y_pred"${s}`), 1);
    assert.equal(value(text, `pipeline_absolute_error_bucket{le="5"${s}`), 1);
    assert.equal(value(text, `pipeline_absolute_error_bucket{le="50"${s}`), 2);
    assert.equal(value(text, `pipeline_absolute_error_bucket{le="300"${s}`), 3);
    assert.equal(value(text, `pipeline_absolute_error_count{service="metric"}`), 3);
  });
});

describe('the metrics endpoint', () => {
  const open = async (): Promise<MetricsEndpoint> => {
    const endpoint = await openMetricsEndpoint({ metricsPort: 0, metricsHost: '127.0.0.1' }, 'model');
    assert.ok(endpoint);
    return endpoint;
  };

  it('is alive at once, ready only once attached, connected and serving, and not ready after close', async () => {
    const endpoint = await open();
    try {
      assert.equal((await get(endpoint.port, '/healthz')).status, 200);
      const before = await get(endpoint.port, '/readyz');
      assert.equal(before.status, 503);
      assert.match(before.body, /transport is not open yet/);

      const transport = new MemoryTransport();
      const counters = new ServiceCounters();
      endpoint.attach({ transport, counters });
      const unsubscribed = await get(endpoint.port, '/readyz');
      assert.equal(unsubscribed.status, 503);
      assert.match(unsubscribed.body, /consumers are not subscribed/);
      endpoint.serving();
      assert.deepEqual(await get(endpoint.port, '/readyz'), {
        status: 200,
        body: 'ready: memory connected, consumers subscribed\n',
      });

      endpoint.onEvent({ kind: 'predicted', id: 'a-1' });
      counters.add({ kind: 'predicted', id: 'a-1' });
      endpoint.onEvent({
        kind: 'dead-lettered',
        topic: 'features',
        code: 'invalid',
        reason: 'invalid: 3 values',
      });
      const text = (await get(endpoint.port, '/metrics')).body;
      assert.equal(
        value(text, 'pipeline_records_total{topic="y_pred",direction="published",service="model"}'),
        1,
      );
      assert.equal(
        value(text, 'pipeline_records_total{topic="features",direction="consumed",service="model"}'),
        2,
      );
      assert.equal(
        value(text, 'pipeline_dead_letters_total{topic="features",reason="invalid",service="model"}'),
        1,
      );
      assert.equal(value(text, 'pipeline_transport_connected{transport="memory",service="model"}'), 1);

      await transport.close();
      const closed = await get(endpoint.port, '/readyz');
      assert.equal(closed.status, 503);
      assert.match(closed.body, /memory transport is closed/);
      const after = (await get(endpoint.port, '/metrics')).body;
      assert.equal(value(after, 'pipeline_transport_connected{transport="memory",service="model"}'), 0);
      endpoint.stopping();
      assert.match((await get(endpoint.port, '/readyz')).body, /^stopping/);
    } finally {
      await endpoint.close();
    }
  });

  it('answers 404 elsewhere, and OpenMetrics when asked without renaming the Prometheus text after', async () => {
    const endpoint = await open();
    try {
      endpoint.attach({ transport: new MemoryTransport(), counters: new ServiceCounters() });
      assert.equal((await get(endpoint.port, '/')).status, 404);
      assert.equal((await get(endpoint.port, '/metricz')).status, 404);
      const om = await get(endpoint.port, '/metrics', 'application/openmetrics-text; version=1.0.0');
      assert.match(om.body, /^# TYPE pipeline_records counter$/m);
      assert.match(om.body, /# EOF\n$/);
      const prom = (await get(endpoint.port, '/metrics')).body;
      assert.match(prom, /^# TYPE pipeline_records_total counter$/m);
      assert.match(
        prom,
        /^pipeline_records_total\{topic="features",direction="consumed",service="model"\} 0$/m,
      );
    } finally {
      await endpoint.close();
    }
  });

  it('refuses a port in use, naming it', async () => {
    const endpoint = await open();
    try {
      await assert.rejects(
        openMetricsEndpoint({ metricsPort: endpoint.port, metricsHost: '127.0.0.1' }, 'model'),
        new RegExp(`--metrics-port ${endpoint.port} is already in use`),
      );
    } finally {
      await endpoint.close();
    }
  });
});
