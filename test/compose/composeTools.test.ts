/**
 * docker-compose.yml against the real programs it relies on: docker-compose (Debian's, when installed) accepts
 * it for each profile and reads it as the tests do; the CLI knows every command and PIPELINE_* variable a
 * service declares; nats-server runs the NATS service's command line and answers its healthcheck; the RabbitMQ
 * healthcheck passes against the local broker. A missing program skips its test, loudly.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { AMQP_URL, brokerReachable, isListening } from '../../harness/brokers.js';
import { REPO_ROOT, runCli } from '../../harness/cli.js';
import { containerEnv, isOurs, loadCompose } from '../support/compose.js';
import { freePort, NATS_SERVER_BIN } from '../../harness/natsServer.js';
import { sleep } from '../../harness/poll.js';

const run = promisify(execFile);
const compose = loadCompose({});
const PROFILES = ['rabbit', 'nats'] as const;

/** The program's path, looked up on PATH and in the sbin folders brokers install to. */
function which(program: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  return dirs
    .filter((d) => d.startsWith('/'))
    .map((d) => join(d, program))
    .find((p) => existsSync(p));
}

/**
 * Skips, loudly. In CI (REQUIRE_BROKERS=1: .ci/run installs and starts what these tests need) a missing program
 * fails the test instead, unless it is `optional` (Docker's v2 plugin: no Debian package, so CI cannot have it).
 */
function skipLoudly(t: TestContext, why: string, optional = false): void {
  if (process.env.REQUIRE_BROKERS === '1' && !optional)
    assert.fail(`${why}, and REQUIRE_BROKERS=1 forbids skipping`);
  process.stderr.write(`\n!!!!!!!!!! SKIPPING: ${why} !!!!!!!!!!\n`);
  t.skip(why);
}

/** A clean environment for compose: only what a user's shell would set for this check. */
const composeEnv = (vars: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ...vars,
});

describe('docker-compose (the Debian package) and the compose file', () => {
  const dockerCompose = which('docker-compose');

  for (const profile of PROFILES)
    it(`accepts the file with --profile ${profile}`, async (t) => {
      if (!dockerCompose)
        return skipLoudly(t, 'docker-compose is not installed (apt-get install docker-compose)');
      const r = await run(dockerCompose, ['--profile', profile, 'config', '-q'], {
        cwd: REPO_ROOT,
        env: composeEnv(),
      });
      assert.equal(r.stderr.trim(), '', 'no warnings');
    });

  it('reads every service as this test suite does (merge keys, interpolation, pass-through)', async (t) => {
    if (!dockerCompose)
      return skipLoudly(t, 'docker-compose is not installed (apt-get install docker-compose)');
    const shell = { PIPELINE_COUNT: '500', PIPELINE_INTERVAL: '0', MODEL_FILE: '/models/m.json' };
    const { stdout } = await run(dockerCompose, ['config'], { cwd: REPO_ROOT, env: composeEnv(shell) });
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
        env: composeEnv(),
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
