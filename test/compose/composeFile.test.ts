/**
 * What docker-compose.yml promises, checked on the file itself: the profiles, health-gated start order, what may
 * be scaled, ports, restart policies, the log folder, the model file, the services' metrics and readiness, and
 * the monitoring profile. No Docker engine needed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/cli.js';
import {
  activeServices,
  containerEnv,
  interpolate,
  isOurs,
  loadCompose,
  localPath,
  type ComposeService,
} from '../support/compose.js';

const compose = loadCompose({});
/** Each pipeline profile and the commands of its services, one per service. */
const PIPELINES: Readonly<Record<string, readonly string[]>> = {
  rabbit: ['features', 'metric', 'model', 'plot'],
  nats: ['features', 'metric', 'model', 'plot'],
  partitioned: ['features', 'metric', 'metric', 'metric', 'model', 'plot'],
};
const PROFILES = Object.keys(PIPELINES);
const commandOf = (s: ComposeService): string | undefined => s.command?.[0];
const byCommand = (command: string): ComposeService[] =>
  Object.values(compose.services).filter((s) => commandOf(s) === command);
const brokers = Object.values(compose.services).filter((s) => !isOurs(s));
const mapping = { hosts: {}, workdir: '/app', binds: {}, root: '/nonexistent-container-root' };
const longRunning = (): ComposeService[] => ['features', 'model', 'metric', 'plot'].flatMap(byCommand);
/** The port every container serves /metrics, /healthz and /readyz on (its own network namespace). */
const METRICS_PORT = '9464';

/** A compose duration (`30s`, `1m30s`, `500ms`) in seconds. */
function seconds(duration: string | undefined): number {
  const parts = [...(duration ?? '').matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  assert.ok(parts.length > 0 && parts.map((p) => p[0]).join('') === duration, `a duration: ${duration}`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 };
  return parts.reduce((sum, [, n, u]) => sum + Number(n) * unit[u as keyof typeof unit], 0);
}

describe('the test reads compose variables as compose does', () => {
  it('interpolates defaults, required variables and $$', () => {
    const env = { SET: 'v', EMPTY: '' };
    assert.equal(interpolate('${SET:-d} ${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d}', env), 'v d d  d');
    assert.equal(interpolate('$SET/$${SET}/${UNSET}', env), 'v/${SET}/');
    assert.throws(() => interpolate('${UNSET:?set it}', env), /UNSET: set it/);
  });
});

describe('docker-compose.yml', () => {
  for (const profile of PROFILES) {
    const active = activeServices(compose, [profile]);
    const names = new Set(active.map((s) => s.name));

    it(`--profile ${profile} enables one broker and the pipeline's services`, () => {
      assert.equal(active.filter((s) => !isOurs(s)).length, 1, 'one broker');
      assert.deepEqual(
        active
          .filter(isOurs)
          .map((s) => commandOf(s))
          .sort(),
        PIPELINES[profile],
      );
    });

    it(`--profile ${profile}: dependencies are enabled too and brokers are awaited healthy`, () => {
      for (const s of active)
        for (const [dep, condition] of Object.entries(s.dependsOn)) {
          assert.ok(
            names.has(dep),
            `${s.name} depends on ${dep}, which --profile ${profile} does not enable`,
          );
          const target = compose.services[dep];
          if (target && !isOurs(target)) {
            assert.equal(condition, 'service_healthy', `${s.name} waits for ${dep} to be healthy`);
            assert.ok(target.healthcheck && target.healthcheck.length > 1, `${dep} has a healthcheck`);
          }
        }
      // A service that talks to a broker waits for the one its URL names.
      for (const s of active.filter((x) => x.environment.PIPELINE_TRANSPORT !== undefined)) {
        const url = s.environment.AMQP_URL ?? s.environment.NATS_URL ?? '';
        const host = /^[a-z]+:\/\/(?:[^@/]*@)?([^:/]+)/.exec(url)?.[1];
        assert.ok(host && s.dependsOn[host] === 'service_healthy', `${s.name} waits for ${String(host)}`);
      }
    });
  }

  for (const profile of PROFILES)
    it(`--profile ${profile}: metric, then model, then features start, each once the next one is ready`, () => {
      const active = activeServices(compose, [profile]).filter(isOurs);
      const named = (command: string): string[] =>
        active.filter((s) => commandOf(s) === command).map((s) => s.name);
      const [features = 'no features'] = named('features');
      const [model = 'no model'] = named('model');
      const metrics = named('metric');
      assert.ok(metrics.length > 0, 'a metric');
      // On core NATS a message published before its consumer subscribed is lost: consumers come first.
      for (const metric of metrics) {
        assert.equal(
          compose.services[model]?.dependsOn[metric],
          'service_healthy',
          `${model} awaits ${metric}`,
        );
        assert.equal(compose.services[features]?.dependsOn[metric], 'service_healthy');
      }
      assert.equal(compose.services[features]?.dependsOn[model], 'service_healthy');
      for (const s of active)
        for (const [dep, condition] of Object.entries(s.dependsOn)) {
          const target = compose.services[dep];
          if (!target || !isOurs(target)) continue;
          assert.equal(
            condition,
            'service_healthy',
            `${s.name} waits for ${dep} to be ready, not just started`,
          );
          assert.ok(target.healthcheck, `${dep} has a healthcheck`);
        }
    });

  it('--profile partitioned: one --partitions for every service, one metric per partition, each its own log', () => {
    const active = activeServices(compose, ['partitioned']).filter(
      (s) => isOurs(s) && commandOf(s) !== 'plot',
    );
    const counts = new Set(active.map((s) => s.environment.PIPELINE_PARTITIONS));
    assert.equal(counts.size, 1, 'features, model and the metrics agree on the number of partitions');
    const n = Number([...counts][0]);
    assert.ok(Number.isInteger(n) && n > 1, `PIPELINE_PARTITIONS ${String([...counts][0])}`);
    const metrics = active.filter((s) => commandOf(s) === 'metric');
    const owned = metrics.map((s) => {
      const at = s.command?.indexOf('--partition') ?? -1;
      return at < 0 ? undefined : s.command?.[at + 1];
    });
    assert.deepEqual(
      owned.sort(),
      Array.from({ length: n }, (_, p) => String(p)),
      'each partition has one metric',
    );
    for (const s of metrics) {
      // Where plot, reading the shared folder, finds every metric_log.<p>.csv.
      assert.equal(s.environment.PIPELINE_LOG_DIR, '/app/logs', `${s.name} logs in the shared folder`);
    }
  });

  it('every long-running service serves its metrics inside its container and is healthy once ready', () => {
    const services = longRunning();
    assert.deepEqual(services.map((s) => s.name).sort(), [
      'features',
      'features-nats',
      'features-partitioned',
      'metric',
      'metric-nats',
      'metric-p0',
      'metric-p1',
      'metric-p2',
      'model',
      'model-nats',
      'model-partitioned',
      'plot',
    ]);
    for (const s of services) {
      assert.equal(s.environment.PIPELINE_METRICS_PORT, METRICS_PORT, `${s.name} PIPELINE_METRICS_PORT`);
      // Not the container's loopback: Prometheus scrapes it from its own container.
      assert.equal(s.environment.PIPELINE_METRICS_HOST, '0.0.0.0', `${s.name} PIPELINE_METRICS_HOST`);
      // The image has node but neither curl nor wget (see the Dockerfile).
      const [kind, program, flag, script = ''] = s.healthcheck ?? [];
      assert.deepEqual([kind, program, flag], ['CMD', 'node', '-e'], `${s.name} asks with node`);
      assert.ok(script.includes(`'http://127.0.0.1:${METRICS_PORT}/readyz'`), `${s.name} asks /readyz`);
      const t = s.healthcheckTimes;
      const interval = seconds(t.interval);
      assert.ok(interval >= 5 && interval <= 30, `${s.name}: interval ${t.interval}`);
      assert.ok(seconds(t.timeout) < interval, `${s.name}: timeout ${t.timeout} below the interval`);
      assert.ok(seconds(t.start_period) >= 10, `${s.name}: start_period ${t.start_period} lets it connect`);
      assert.ok(Number(t.retries) >= 2, `${s.name}: one slow answer is not unhealthy`);
    }
  });

  it('the monitoring profile: Prometheus and Grafana, pinned, on 127.0.0.1, next to either broker', () => {
    const monitoring = activeServices(compose, ['monitoring']);
    assert.deepEqual(monitoring.map((s) => s.name).sort(), ['grafana', 'prometheus']);
    const prometheus = compose.services.prometheus as ComposeService;
    const grafana = compose.services.grafana as ComposeService;
    // A release, never `latest` or a moving major: dashboards and configuration are checked against it.
    assert.match(prometheus.image ?? '', /^prom\/prometheus:v\d+\.\d+\.\d+$/);
    assert.match(grafana.image ?? '', /^grafana\/grafana:\d+\.\d+\.\d+$/);
    assert.deepEqual(prometheus.ports, ['127.0.0.1:9090:9090']);
    assert.deepEqual(grafana.ports, ['127.0.0.1:3000:3000']);
    for (const s of monitoring) {
      // Its own profile only, so that it joins whichever broker profile runs; what it needs comes along.
      assert.deepEqual(s.profiles, ['monitoring']);
      for (const dep of Object.keys(s.dependsOn))
        assert.ok(compose.services[dep]?.profiles.includes('monitoring'), `${s.name} can start ${dep}`);
      assert.ok(s.healthcheck && s.healthcheck.length > 1, `${s.name} has a healthcheck`);
    }
    assert.equal(grafana.dependsOn.prometheus, 'service_healthy');
    // Anonymous visitors read; the admin account is the documented default unless the shell sets it.
    assert.equal(grafana.environment.GF_AUTH_ANONYMOUS_ENABLED, 'true');
    assert.equal(grafana.environment.GF_AUTH_ANONYMOUS_ORG_ROLE, 'Viewer');
    assert.equal(grafana.environment.GF_SECURITY_ADMIN_PASSWORD, 'admin');
    const mine = loadCompose({ GRAFANA_ADMIN_PASSWORD: 'not-admin', GRAFANA_PORT: '3001' }).services.grafana;
    assert.equal(mine?.environment.GF_SECURITY_ADMIN_PASSWORD, 'not-admin');
    assert.deepEqual(mine?.ports, ['127.0.0.1:3001:3000']);
  });

  it('`docker compose run --rm dashboard` (and dashboard-nats) brings its broker; `up` never starts it', () => {
    const dashboards = byCommand('dashboard');
    assert.deepEqual(dashboards.map((d) => d.name).sort(), ['dashboard', 'dashboard-nats']);
    for (const d of dashboards) {
      assert.ok(!d.profiles.some((p) => PROFILES.includes(p)), `${d.name} is not in up`);
      // `run` enables the profiles of the service it runs, and nothing more.
      const enabled = new Set(activeServices(compose, d.profiles).map((s) => s.name));
      for (const dep of Object.keys(d.dependsOn)) assert.ok(enabled.has(dep), `${d.name} can start ${dep}`);
      assert.ok(d.restart === 'no', `${d.name} is not restarted when the user quits it`);
    }
  });

  it('`docker compose --profile rabbit up --scale model=3` names a real service; metric cannot be scaled', () => {
    const model = compose.services.model;
    assert.ok(model && commandOf(model) === 'model' && model.profiles.includes('rabbit'));
    for (const s of [...byCommand('model'), ...byCommand('features')]) {
      // A fixed container name or host port would make a second replica fail.
      assert.equal(s.containerName, undefined, `${s.name} can be scaled`);
      assert.deepEqual(s.ports, [], `${s.name} publishes no port`);
    }
    for (const s of byCommand('metric'))
      assert.ok(s.containerName, `${s.name} has a fixed container name, so compose refuses to scale it`);
  });

  it('brokers publish their ports on 127.0.0.1 only, and nothing else publishes any', () => {
    for (const s of Object.values(compose.services)) {
      if (isOurs(s)) assert.deepEqual(s.ports, [], `${s.name} publishes nothing`);
      for (const p of s.ports) assert.match(p, /^127\.0\.0\.1:\d+:\d+$/, `${s.name} publishes ${p}`);
    }
    const published = (name: string): string[] =>
      compose.services[name]?.ports.map((p) => p.split(':')[2] ?? '') ?? [];
    assert.deepEqual(published('rabbitmq').sort(), ['15672', '5672']);
    assert.deepEqual(published('nats').sort(), ['4222', '8222']);
    assert.equal(compose.services.rabbitmq?.image, 'rabbitmq:3.13-management');
  });

  it('every long-running service has a restart policy', () => {
    const longRunning = ['features', 'model', 'metric', 'plot'].flatMap(byCommand);
    for (const s of [...brokers, ...longRunning])
      assert.ok(s.restart && s.restart !== 'no', `${s.name} restarts`);
    // `features` with PIPELINE_COUNT ends with 0 and must not start over.
    for (const s of byCommand('features')) assert.equal(s.restart, 'on-failure');
  });

  it('metric and plot write to ./logs, mounted at /app/logs', () => {
    for (const s of [...byCommand('metric'), ...byCommand('plot')]) {
      assert.ok(
        s.volumes.some((v) => v.bind && v.source === './logs' && v.target === '/app/logs' && !v.readOnly),
        `${s.name} mounts ./logs at /app/logs`,
      );
      for (const key of ['CSV_FILE', 'IMG_FILE'].filter((k) => s.environment[k] !== undefined))
        assert.match(s.environment[key] ?? '', /^\/app\/logs\/[^/]+$/, `${s.name} ${key}`);
    }
    for (const s of byCommand('plot')) assert.ok(s.environment.CSV_FILE && s.environment.IMG_FILE);
  });

  it('the model file is baked into the image and can be replaced by a mounted one', () => {
    for (const s of byCommand('model')) {
      const baked = containerEnv(s, {}).MODEL_FILE ?? '';
      assert.match(baked, /^\/app\/models\//);
      assert.ok(existsSync(localPath(baked, s, mapping)), `${baked} is a file of the repository's models/`);
      const mine = containerEnv(
        loadCompose({ MODEL_FILE: '/models/mine.json' }).services[s.name] as ComposeService,
        {},
      );
      assert.equal(mine.MODEL_FILE, '/models/mine.json', 'MODEL_FILE comes from the shell');
      assert.equal(localPath('/models/mine.json', s, mapping), join(REPO_ROOT, 'models', 'mine.json'));
      assert.ok(
        s.volumes.find((v) => v.target === '/models')?.readOnly,
        `${s.name} mounts ./models read-only`,
      );
    }
  });

  it('one image for every service of ours, built from this repository, entrypoint untouched', () => {
    const ours = Object.values(compose.services).filter(isOurs);
    assert.equal(new Set(ours.map((s) => s.image)).size, 1, 'one image');
    for (const s of ours) {
      const context = typeof s.build === 'string' ? s.build : (s.build as { context?: string }).context;
      assert.equal(context, '.', `${s.name} builds the repository`);
      assert.equal(s.entrypoint, undefined, `${s.name} keeps the image's entrypoint (the CLI)`);
      assert.ok(s.command && s.command.length > 0, `${s.name} names its command`);
    }
  });

  it('NATS runs with JetStream and monitoring, and its healthcheck asks the monitoring /healthz', () => {
    const command = compose.services.nats?.command ?? [];
    assert.ok(command.includes('-js'), 'JetStream');
    assert.equal(command[command.indexOf('-m') + 1], '8222', 'monitoring port');
    assert.ok(compose.services.nats?.healthcheck?.includes('http://127.0.0.1:8222/healthz'));
  });
});
