/**
 * Interoperability with the original services' client: plain pika scripts (Debian's python3-pika, run with
 * /usr/bin/python3) speaking the wire format on the real queues, beside our services as processes of the CLI.
 * Both directions, and both orders of declaration: pika first (our durable declaration then meets its plain
 * queue: one warning, no crash), or us first with --legacy-queues (our plain queues are what pika declares).
 */
import { spawnSync } from 'node:child_process';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLinearModel } from '../../src/core/linearModel.js';
import { AMQP_URL, brokerReachable } from '../../harness/brokers.js';
import { REPO_ROOT } from '../../harness/cli.js';
import {
  checkQueues,
  lockRealQueues,
  rabbitmqctlQueues,
  REAL_QUEUES,
  resetRealQueues,
  usableRabbitmqctl,
} from '../../harness/realQueues.js';
import { until } from '../../harness/poll.js';
import { ServiceProcesses, waitForCsvRows } from '../../harness/serviceProcesses.js';

/** Debian's python3-pika installs for the system interpreter only, not for a pyenv python earlier on PATH. */
const PYTHON = '/usr/bin/python3';
const RECORDS = 200;
const script = (name: string): string => join(REPO_ROOT, 'scripts', 'pika', name);

/** False when pika can be imported; otherwise why not (printed loudly), or a throw under REQUIRE_BROKERS=1. */
function pikaMissing(): string | false {
  const r = spawnSync(PYTHON, ['-c', 'import pika'], { encoding: 'utf8', timeout: 20_000 });
  if (r.status === 0) return false;
  const why = `${PYTHON} cannot import pika (${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)}); install it with \`apt-get install -y python3-pika\``;
  if (process.env.REQUIRE_BROKERS === '1')
    throw new Error(`${why}, and REQUIRE_BROKERS=1: interop tests must run`);
  process.stderr.write(`\n!!!!!!!!!! SKIPPING PIKA INTEROP TESTS: ${why} !!!!!!!!!!\n`);
  return why;
}

interface Published {
  readonly id: number;
  readonly features: number[];
  readonly y_true: number;
}

interface Consumed {
  readonly queue: string;
  readonly id?: unknown;
  readonly body?: unknown;
  readonly error?: string;
  readonly content_type: string | null;
  readonly delivery_mode: number | null;
}

const jsonLines = <T>(text: string): T[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

/** Our "exists with other arguments" warnings, counted per queue. */
function clashWarnings(stderr: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of stderr.matchAll(/queue '([^']+)' exists with other arguments/g))
    out.set(m[1] ?? '', (out.get(m[1] ?? '') ?? 0) + 1);
  return out;
}

describe('pika interoperability on the real queues', () => {
  // A fresh set per test, so that a crash in one test cannot fail the next one's waits.
  let procs = new ServiceProcesses();
  let skip: string | false = false;
  let unlock: (() => Promise<void>) | undefined;
  let dir = '';
  let n = 0;
  const amqp = ['--transport=amqp', '--url', AMQP_URL];
  const pikaUrl = ['--url', AMQP_URL];

  before(async () => {
    skip = (await brokerReachable('rabbitmq', AMQP_URL)) || pikaMissing();
    if (skip) return;
    unlock = await lockRealQueues();
  });
  beforeEach(async () => {
    procs = new ServiceProcesses();
    dir = await mkdtemp(join(tmpdir(), `pika-${++n}-`));
    // Each test decides who declares the queues first: they must not exist.
    if (!skip) await resetRealQueues();
  });
  afterEach(async () => {
    await procs.stopAll();
    await rm(dir, { recursive: true, force: true });
  });
  after(async () => {
    await procs.stopAll();
    try {
      if (unlock) await resetRealQueues();
    } finally {
      await unlock?.();
    }
  });

  /** Runs publish_features.py to its end; returns what it published. */
  async function pikaPublish(name: string, count: number): Promise<Published[]> {
    procs.start(name, {
      executable: PYTHON,
      args: [script('publish_features.py'), ...pikaUrl, '--count', String(count), '--interval', '0'],
      exitsByItself: true,
    });
    const exit = await procs.waitForExit(name, 30_000);
    assert.deepEqual(exit, { code: 0, signal: null }, procs.report());
    const published = jsonLines<Published>(procs.run(name).stdout);
    assert.equal(published.length, count);
    return published;
  }

  /** Starts our model and metric; resolves once both are connected. */
  async function startModelAndMetric(extra: string[] = []): Promise<string> {
    procs.start('model', { command: 'model', args: [...amqp, ...extra] });
    procs.start('metric', { command: 'metric', args: [...amqp, ...extra, '--log-dir', dir] });
    await Promise.all(['model', 'metric'].map((s) => procs.waitForOutput(s, /amqp: connected/, 30_000)));
    return join(dir, 'metric_log.csv');
  }

  /** The log's rows checked against what pika published: same ids, same targets, our model's predictions. */
  async function assertRowsMatch(csvFile: string, published: Published[]): Promise<void> {
    const rows = await waitForCsvRows(csvFile, published.length, { timeoutMs: 30_000, processes: procs });
    const model = parseLinearModel(
      JSON.parse(await readFile(join(REPO_ROOT, 'models', 'diabetes-linear.json'), 'utf8')),
    );
    const byId = new Map(published.map((p) => [p.id, p]));
    assert.equal(byId.size, published.length, 'the pika ids are distinct');
    for (const row of rows) {
      const [id, yTrue, yPred] = row.split(',').map(Number);
      const sent = byId.get(id ?? NaN);
      assert.ok(sent, `row ${row} has an id pika published`);
      byId.delete(sent.id);
      assert.equal(yTrue, sent.y_true, row);
      assert.equal(yPred, model.predict(sent.features), row);
    }
    assert.equal(byId.size, 0, 'every published id has its row');
  }

  async function stopOurs(names: string[]): Promise<void> {
    for (const name of names)
      assert.deepEqual(
        await procs.stop(name),
        { code: 0, signal: null },
        `${name} stops cleanly\n${procs.report()}`,
      );
  }

  /** Which queues are durable, as rabbitmqctl reports them (skipped where rabbitmqctl is not usable). */
  async function assertDurable(expected: Record<string, boolean>): Promise<void> {
    const ctl = await usableRabbitmqctl();
    if (!ctl) return;
    const q = await rabbitmqctlQueues(ctl);
    for (const [name, durable] of Object.entries(expected))
      assert.equal(q.get(name)?.durable, durable, `${name} is ${durable ? 'durable' : 'a plain queue'}`);
  }

  async function assertQueuesEmpty(): Promise<void> {
    for (const [name, q] of await checkQueues(REAL_QUEUES))
      assert.equal(q?.messages ?? 0, 0, `nothing left in ${name}`);
  }

  it(
    'a pika publisher that declared the plain queues first feeds our model and metric',
    { timeout: 60_000 },
    async (t) => {
      if (skip) return t.skip(skip);
      const published = await pikaPublish('pika-publisher', RECORDS);
      const csvFile = await startModelAndMetric();
      await assertRowsMatch(csvFile, published);
      await stopOurs(['model', 'metric']);

      // Our durable declaration met pika's plain queue: used as it is, one warning each, no crash.
      assert.deepEqual(clashWarnings(procs.run('model').stderr), new Map([['features', 1]]));
      assert.deepEqual(clashWarnings(procs.run('metric').stderr), new Map([['y_true', 1]]));
      await assertDurable({ features: false, y_true: false, y_pred: true });
      await assertQueuesEmpty();
    },
  );

  it(
    'our features and model feed a pika consumer that declared the plain queues first',
    { timeout: 60_000 },
    async (t) => {
      if (skip) return t.skip(skip);
      procs.start('pika-consumer', {
        executable: PYTHON,
        args: [script('consume.py'), ...pikaUrl, '--expect', String(RECORDS), '--idle-timeout', '40'],
        exitsByItself: true,
      });
      await procs.waitForOutput('pika-consumer', /"ready": true/, 20_000, 'stdout');
      procs.start('model', { command: 'model', args: amqp });
      procs.start('features', {
        command: 'features',
        args: [...amqp, '--count', String(RECORDS), '--interval', '0', '--log-dir', dir],
        exitsByItself: true,
      });
      assert.deepEqual(
        await procs.waitForExit('pika-consumer', 45_000),
        { code: 0, signal: null },
        procs.report(),
      );
      assert.deepEqual(
        await procs.waitForExit('features', 15_000),
        { code: 0, signal: null },
        procs.report(),
      );
      await stopOurs(['model']);

      const seen = jsonLines<Consumed | { ready: true }>(procs.run('pika-consumer').stdout).filter(
        (m): m is Consumed => 'queue' in m,
      );
      assert.deepEqual(
        seen.filter((m) => m.error !== undefined),
        [],
        'pika decodes every message as the wire format',
      );
      const ids = (queue: string): Set<unknown> =>
        new Set(seen.filter((m) => m.queue === queue).map((m) => m.id));
      assert.equal(ids('y_true').size, RECORDS, 'each record once on y_true');
      assert.deepEqual(ids('y_pred'), ids('y_true'), 'a prediction under each id of y_true');
      for (const m of seen) {
        assert.equal(typeof m.id, 'string', 'our ids are strings');
        assert.equal(typeof m.body, 'number', `a ${m.queue} body is a number`);
        assert.ok(Number.isFinite(m.body), `a ${m.queue} body is finite`);
        assert.equal(m.content_type, 'application/json');
        assert.equal(m.delivery_mode, 2, 'persistent');
      }

      assert.deepEqual(clashWarnings(procs.run('features').stderr), new Map([['y_true', 1]]));
      assert.deepEqual(clashWarnings(procs.run('model').stderr), new Map([['y_pred', 1]]));
      await assertQueuesEmpty();
    },
  );

  it(
    'with --legacy-queues our services declare the plain queues a pika publisher accepts',
    { timeout: 60_000 },
    async (t) => {
      if (skip) return t.skip(skip);
      const csvFile = await startModelAndMetric(['--legacy-queues']);
      // Ours must be first: wait until their consumers are on all three queues.
      await until(
        async () => {
          const q = await checkQueues(REAL_QUEUES);
          return [...q.values()].every((c) => c && c.consumers > 0) ? true : undefined;
        },
        'our consumers on features, y_true and y_pred',
        { timeoutMs: 20_000, intervalMs: 100, watch: procs },
      );
      const published = await pikaPublish('pika-publisher', RECORDS);
      await assertRowsMatch(csvFile, published);
      await stopOurs(['model', 'metric']);
      assert.deepEqual(clashWarnings(procs.run('model').stderr + procs.run('metric').stderr), new Map());

      await assertDurable({ features: false, y_true: false, y_pred: false });
      await assertQueuesEmpty();
    },
  );

  it(
    'without --legacy-queues, a pika script started after us cannot declare its plain queue (why the option exists)',
    {
      timeout: 60_000,
    },
    async (t) => {
      if (skip) return t.skip(skip);
      procs.start('model', { command: 'model', args: amqp });
      await until(
        async () => ((await checkQueues(['features'])).get('features')?.consumers ? true : undefined),
        'our durable features queue',
        { timeoutMs: 20_000, intervalMs: 100, watch: procs },
      );
      procs.start('pika-publisher', {
        executable: PYTHON,
        args: [script('publish_features.py'), ...pikaUrl, '--count', '1', '--interval', '0'],
        exitsByItself: true,
      });
      const exit = await procs.run('pika-publisher').exited;
      assert.notEqual(exit.code, 0);
      assert.match(procs.run('pika-publisher').stderr, /PRECONDITION_FAILED - inequivalent arg 'durable'/);
      await stopOurs(['model']);
    },
  );
});
