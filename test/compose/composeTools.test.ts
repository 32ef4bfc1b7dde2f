/**
 * docker-compose.yml against the real programs it relies on: docker-compose (Debian's, when installed) accepts
 * it for each profile and reads it as the tests do; the CLI knows every command and PIPELINE_* variable a
 * service declares; the services' readiness healthcheck runs under node and follows /readyz; nats-server runs
 * the NATS service's command line and answers its healthcheck; the RabbitMQ healthcheck passes against the local
 * broker. A missing program skips its test, loudly.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { AMQP_URL, brokerReachable, isListening } from '../../harness/brokers.js';
import { REPO_ROOT, runCli } from '../../harness/cli.js';
import {
  containerEnv,
  isOurs,
  loadCompose,
  localHealthcheck,
  type ComposeService,
} from '../support/compose.js';
import { freePort, NATS_SERVER_BIN } from '../../harness/natsServer.js';
import { sleep } from '../../harness/poll.js';
import { cleanShell, skipLoudly, which } from '../support/programs.js';

const run = promisify(execFile);
const compose = loadCompose({});
const PROFILES = ['rabbit', 'nats', 'partitioned', 'monitoring'] as const;

describe('docker-compose (the Debian package) and the compose file', () => {
  const dockerCompose = which('docker-compose');

  for (const profile of PROFILES)
    it(`accepts the file with --profile ${profile}`, async (t) => {
      if (!dockerCompose)
        return skipLoudly(t, 'docker-compose is not installed (apt-get install docker-compose)');
      const r = await run(dockerCompose, ['--profile', profile, 'config', '-q'], {
        cwd: REPO_ROOT,
        env: cleanShell(),
      });
      assert.equal(r.stderr.trim(), '', 'no warnings');
    });

  it('reads every service as this test suite does (merge keys, interpolation, pass-through)', async (t) => {
    if (!dockerCompose)
      return skipLoudly(t, 'docker-compose is not installed (apt-get install docker-compose)');
    const shell = { PIPELINE_COUNT: '500', PIPELINE_INTERVAL: '0', MODEL_FILE: '/models/m.json' };
    const { stdout } = await run(dockerCompose, ['config'], { cwd: REPO_ROOT, env: cleanShell(shell) });
    const theirs = (parse(stdout) as { services: Record<string, Record<string, unknown>> }).services;
    const ours = loadCompose(shell).services;
    assert.deepEqual(Object.keys(theirs).sort(), Object.keys(ours).sort());
    for (const [name, s] of Object.entries(ours)) {
      const d = theirs[name] ?? {};
      const env = Object.fromEntries(
        Object.entries((d.environment ?? {}) as Record<string, unknown>).filter(([, v]) => v !== null),
      );
      assert.deepEqual(env, containerEnv(s, shell), `${name} environment`);
      assert.deepEqual(d.command, s.command, `${name} command`);
      assert.deepEqual(d.profiles ?? [], s.profiles, `${name} profiles`);
      const deps = Object.entries((d.depends_on ?? {}) as Record<string, { condition: string }>);
      assert.deepEqual(
        Object.fromEntries(deps.map(([k, v]) => [k, v.condition])),
        s.dependsOn,
        `${name} depends_on`,
      );
    }
  });

  it('`docker compose` (v2), when present, accepts the file with each profile', async (t) => {
    const docker = which('docker');
    const v2 =
      docker &&
      (await run(docker, ['compose', 'version']).then(
        () => true,
        () => false,
      ));
    if (!docker || !v2) return skipLoudly(t, 'the docker compose v2 plugin is not installed', true);
    for (const profile of PROFILES)
      await run(docker, ['compose', '--profile', profile, 'config', '-q'], {
        cwd: REPO_ROOT,
        env: cleanShell(),
      });
  });
});

describe('the CLI behind each service', () => {
  it('knows every command a service runs, and every PIPELINE_* variable given to it', async () => {
    const ours = Object.values(compose.services).filter(isOurs);
    const commands = [...new Set(ours.map((s) => s.command?.[0] ?? ''))];
    const helps = new Map(
      await Promise.all(commands.map(async (c) => [c, (await runCli([c, '--help'])).stdout] as const)),
    );
    for (const s of ours) {
      const command = s.command?.[0] ?? '';
      const help = helps.get(command) ?? '';
      assert.match(
        help,
        new RegExp(`^pipeline ${command}\\b`),
        `\`pipeline ${command}\` is a command (${s.name})`,
      );
      // The CLI is strict: an option it does not know, even from the environment, stops the service.
      for (const key of Object.keys(s.environment).filter((k) => k.startsWith('PIPELINE_'))) {
        const option = `--${key.slice('PIPELINE_'.length).toLowerCase().replace(/_/g, '-')}`;
        assert.ok(help.includes(`${option} `), `${s.name}: ${key} is ${option} of \`pipeline ${command}\``);
      }
    }
  });
});

describe('the readiness healthcheck of the pipeline services', () => {
  // One service per distinct healthcheck: they share one in the compose file, and each run starts a node.
  const distinct = new Map(
    Object.values(compose.services)
      .filter((s) => isOurs(s) && s.environment.PIPELINE_METRICS_PORT !== undefined)
      .map((s) => [JSON.stringify([s.healthcheck, s.environment.PIPELINE_METRICS_PORT]), s]),
  );
  const services = [...distinct.values()];

  /** Runs a service's healthcheck as Docker would (exec form), against `port` on this machine. */
  const exitCode = async (s: ComposeService, port: number): Promise<number> => {
    const { command, args } = localHealthcheck(s, port);
    return run(command, args, { timeout: 10_000 }).then(
      () => 0,
      (e: { code?: unknown }) => (typeof e.code === 'number' ? e.code : -1),
    );
  };

  it('passes while /readyz answers 200, fails on 503 and when nothing listens', async () => {
    assert.ok(services.length > 0);
    let status = 200;
    const asked: string[] = [];
    const server = createServer((req, res) => {
      asked.push(req.url ?? '');
      res.writeHead(req.url === '/readyz' ? status : 404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      for (const s of services) {
        status = 200;
        assert.equal(await exitCode(s, port), 0, `${s.name} ready: healthy`);
        status = 503;
        assert.equal(await exitCode(s, port), 1, `${s.name} not ready: unhealthy`);
      }
      assert.ok(asked.length > 0 && asked.every((u) => u === '/readyz'), `asked ${asked.join(', ')}`);
    } finally {
      await new Promise((r) => server.close(r));
    }
    for (const s of services)
      assert.equal(await exitCode(s, port), 1, `${s.name}: nothing listens, unhealthy`);
  });
});

describe('the brokers as the compose file starts them', () => {
  it('nats-server runs the NATS command line with JetStream, and its /healthz answers ok', async (t) => {
    if (!existsSync(NATS_SERVER_BIN)) return skipLoudly(t, `${NATS_SERVER_BIN} is not installed`);
    const nats = compose.services.nats;
    const url = nats?.healthcheck?.find((a) => a.startsWith('http://')) ?? '';
    assert.match(url, /^http:\/\/127\.0\.0\.1:8222\//);
    const [port, monitor, store] = [
      await freePort(),
      await freePort(),
      await mkdtemp(join(tmpdir(), 'nats-data-')),
    ];
    // The container's /data is a temp dir here; flags given later win, so the ports move off the real server's.
    const args = (nats?.command ?? []).map((a) => (a === '/data' ? store : a));
    const child = spawn(
      NATS_SERVER_BIN,
      [...args, '-a', '127.0.0.1', '-p', String(port), '-m', String(monitor)],
      {
        stdio: 'ignore',
      },
    );
    try {
      for (let i = 0; i < 100 && !(await isListening('127.0.0.1', monitor, 200)); i++) await sleep(50);
      const health = await fetch(url.replace(':8222', `:${monitor}`));
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const jsz = (await (await fetch(`http://127.0.0.1:${monitor}/jsz`)).json()) as {
        disabled?: boolean;
        config?: { store_dir?: string };
      };
      assert.notEqual(jsz.disabled, true, 'JetStream is on');
      assert.ok(jsz.config?.store_dir?.startsWith(store), 'JetStream stores in the volume');
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
      await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
      await rm(store, { recursive: true, force: true });
    }
  });

  it('the RabbitMQ healthcheck command passes against the local broker', async (t) => {
    const [kind, program, ...args] = compose.services.rabbitmq?.healthcheck ?? [];
    assert.equal(kind, 'CMD');
    assert.equal(program, 'rabbitmq-diagnostics');
    const path = which(program);
    const unreachable = await brokerReachable('rabbitmq', AMQP_URL);
    if (!path || unreachable) return skipLoudly(t, `${program} not installed or broker unreachable`);
    // Without the right to talk to the node (the Erlang cookie) nothing can be learnt here.
    const allowed = await run(path, ['-q', 'ping']).then(
      () => true,
      () => false,
    );
    if (!allowed) return skipLoudly(t, `${program} cannot talk to the local node (Erlang cookie?)`);
    await run(path, args, { timeout: 60_000 });
  });
});
