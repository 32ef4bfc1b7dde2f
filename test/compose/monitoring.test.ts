/**
 * The monitoring profile's files against the compose file and the metric contract: promtool accepts the
 * Prometheus configuration; it scrapes exactly the pipeline's services, on their metrics port; Grafana is given
 * that Prometheus and the folder the dashboards are mounted at; the dashboard queries only metrics of
 * src/metrics/metricNames.ts or prom-client's defaults, with their labels, and shows every metric of the contract.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parse } from 'yaml';
import { PIPELINE_METRICS } from '../../src/metrics/metricNames.js';
import { isOurs, loadCompose, localPath, type ComposeService } from '../support/compose.js';
import { skipLoudly, which } from '../support/programs.js';
import { promqlNames } from '../support/promql.js';

const run = promisify(execFile);
const compose = loadCompose({});
const mapping = {
  hosts: {},
  workdir: '/nonexistent-workdir',
  binds: {},
  root: '/nonexistent-container-root',
};

/** A file as the container named reads it: through that service's bind mounts in docker-compose.yml. */
function mounted(service: string, path: string): string {
  const s = compose.services[service];
  assert.ok(s, `docker-compose.yml has a ${service} service`);
  return localPath(path, s, mapping);
}
const yamlOf = (file: string): unknown => parse(readFileSync(file, 'utf8'));
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const records = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);

const PROMETHEUS_YML = mounted('prometheus', '/etc/prometheus/prometheus.yml');
const prometheusYml = yamlOf(PROMETHEUS_YML);
const scrapeConfigs = records(isRecord(prometheusYml) ? prometheusYml.scrape_configs : undefined);

describe('the Prometheus configuration', () => {
  it('`promtool check config` accepts it', async (t) => {
    const promtool = which('promtool');
    if (!promtool) return skipLoudly(t, 'promtool is not installed (apt-get install prometheus)');
    const r = await run(promtool, ['check', 'config', PROMETHEUS_YML]);
    assert.match(r.stdout + r.stderr, /SUCCESS/);
  });

  it('scrapes every pipeline service of both broker profiles on its metrics port, and nothing else', () => {
    const scraped: string[] = [];
    for (const job of scrapeConfigs) {
      const discovery = Object.keys(job).filter((k) => k.endsWith('_configs') && k !== 'relabel_configs');
      const known = ['static_configs', 'dns_sd_configs', 'metric_relabel_configs'];
      for (const k of discovery)
        assert.ok(known.includes(k), `${String(job.job_name)}: ${k} is not checked here`);
      for (const c of records(job.static_configs))
        scraped.push(...(Array.isArray(c.targets) ? c.targets.map(String) : []));
      for (const c of records(job.dns_sd_configs)) {
        // A records: every replica of a scaled service is a target of its own.
        assert.equal(c.type, 'A', `${String(job.job_name)}: DNS A records`);
        for (const name of Array.isArray(c.names) ? c.names : [])
          scraped.push(`${String(name)}:${String(c.port)}`);
      }
    }
    const serving = Object.values(compose.services).filter(
      (s) => isOurs(s) && s.environment.PIPELINE_METRICS_PORT !== undefined,
    );
    assert.ok(serving.length > 0, 'services serve metrics');
    assert.deepEqual(
      scraped.sort(),
      serving.map((s) => `${s.name}:${s.environment.PIPELINE_METRICS_PORT ?? ''}`).sort(),
    );
  });
});

/** Labels Prometheus adds to every scraped series: its own, and those the relabelling writes. */
const TARGET_LABELS = [
  'job',
  'instance',
  ...scrapeConfigs.flatMap((j) => records(j.relabel_configs).map((r) => String(r.target_label))),
];

describe('Grafana provisioning', () => {
  const datasources = records(
    (
      yamlOf(mounted('grafana', '/etc/grafana/provisioning/datasources/prometheus.yml')) as {
        datasources?: unknown;
      }
    ).datasources,
  );
  const providers = records(
    (
      yamlOf(mounted('grafana', '/etc/grafana/provisioning/dashboards/pipeline.yml')) as {
        providers?: unknown;
      }
    ).providers,
  );

  it("the data source is the compose file's Prometheus", () => {
    assert.equal(datasources.length, 1);
    const [ds] = datasources;
    assert.equal(ds?.type, 'prometheus');
    const url = new URL(String(ds?.url));
    const prometheus = compose.services[url.hostname] as ComposeService;
    assert.ok(prometheus?.profiles.includes('monitoring'), `${url.hostname} is the monitoring profile's`);
    assert.ok(
      prometheus.ports.some((p) => p.endsWith(`:${url.port}`)),
      `Prometheus listens on ${url.port} in its container`,
    );
  });

  it('the dashboards come from the folder compose mounts them at, the home dashboard among them', () => {
    assert.equal(providers.length, 1);
    const path = String((providers[0]?.options as { path?: unknown } | undefined)?.path);
    const grafana = compose.services.grafana as ComposeService;
    assert.ok(
      grafana.volumes.some((v) => v.bind && v.target === path && v.readOnly),
      `${path} is mounted`,
    );
    const home = grafana.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
    assert.ok(home.startsWith(`${path}/`), 'the home dashboard is a provisioned one');
    JSON.parse(readFileSync(mounted('grafana', home), 'utf8'));
  });

  describe('the pipeline dashboard', () => {
    const dashboard = JSON.parse(
      readFileSync(mounted('grafana', '/etc/grafana/dashboards/pipeline.json'), 'utf8'),
    ) as { uid?: unknown; panels?: unknown };
    const panels = records(dashboard.panels).filter((p) => p.type !== 'row');
    const targets = panels.flatMap((p) =>
      records(p.targets).map((t) => ({
        panel: String(p.title),
        expr: typeof t.expr === 'string' ? t.expr : '',
      })),
    );
    const uid = String(datasources[0]?.uid);

    it('has panels, each querying the provisioned data source', () => {
      assert.equal(typeof dashboard.uid, 'string');
      assert.ok(panels.length >= 10, 'a dashboard, not a stub');
      for (const p of panels) {
        assert.ok(records(p.targets).length > 0, `${String(p.title)} queries something`);
        assert.equal(
          (p.datasource as { uid?: unknown } | undefined)?.uid,
          uid,
          `${String(p.title)} data source`,
        );
        for (const t of records(p.targets))
          assert.equal((t.datasource as { uid?: unknown } | undefined)?.uid, uid, `${String(p.title)} query`);
      }
    });

    it('queries only metrics of the contract or prom-client defaults, by their own labels', async () => {
      // Each series name the exporter can produce, with the labels it carries besides the targets'.
      const known = new Map<string, readonly string[]>();
      for (const [name, m] of Object.entries(PIPELINE_METRICS)) {
        const labels = [...m.labels, 'service'];
        if (m.type === 'histogram') {
          known.set(`${name}_bucket`, [...labels, 'le']);
          for (const suffix of ['_sum', '_count']) known.set(`${name}${suffix}`, labels);
        } else known.set(name, labels);
      }
      const register = new Registry();
      collectDefaultMetrics({ register });
      for (const m of await register.getMetricsAsJSON()) {
        const labels = [...new Set(m.values.flatMap((v) => Object.keys(v.labels)))];
        const names =
          String(m.type) === 'histogram'
            ? ['_bucket', '_sum', '_count'].map((x) => `${m.name}${x}`)
            : [m.name];
        for (const n of names) known.set(n, [...labels, 'service']);
      }
      for (const t of targets) {
        const { expr } = t;
        const { metrics, labels } = promqlNames(expr);
        assert.ok(metrics.length > 0, `${t.panel}: ${expr} reads a metric`);
        for (const m of metrics)
          assert.ok(known.has(m), `${t.panel}: ${m} is not a metric the services export`);
        const allowed = new Set([...TARGET_LABELS, ...metrics.flatMap((m) => known.get(m) ?? [])]);
        for (const l of labels) assert.ok(allowed.has(l), `${t.panel}: ${expr} groups or matches by ${l}`);
      }
    });

    it('shows every metric of the contract', () => {
      const queried = new Set(targets.flatMap((t) => promqlNames(t.expr).metrics));
      for (const [name, m] of Object.entries(PIPELINE_METRICS))
        assert.ok(
          m.type === 'histogram' ? queried.has(`${name}_bucket`) : queried.has(name),
          `no panel shows ${name}`,
        );
    });
  });
});

describe('promqlNames, which the dashboard checks rely on', () => {
  it('finds series and labels, not functions, keywords, strings, ranges, numbers or variables', () => {
    assert.deepEqual(
      promqlNames(
        'histogram_quantile(0.95, sum by (le) (rate(pipeline_absolute_error_bucket{service="by"}[$__rate_interval])))',
      ),
      { metrics: ['pipeline_absolute_error_bucket'], labels: ['service', 'le'] },
    );
    assert.deepEqual(
      promqlNames('sum(rate(a_sum[5m] offset 1h)) / on (x) group_left sum without (y) (b_count) > 1e3'),
      { metrics: ['a_sum', 'b_count'], labels: ['x', 'y'] },
    );
    assert.deepEqual(promqlNames('up == bool 1 and pipeline_mae{scope=~"all|window"}').metrics, [
      'up',
      'pipeline_mae',
    ]);
  });
});
