/**
 * docker-compose.yml, run as local processes: for each pipeline profile (rabbit, nats, partitioned), exactly the
 * command and environment every service of ours declares (broker host names mapped to the test brokers, ./logs
 * to a temp dir), with PIPELINE_COUNT=500 and PIPELINE_INTERVAL=0 in the shell as a user would set them, and
 * `--scale model=2`. Every process must pass its healthcheck (readiness) unless it finished first, the metric
 * logs must hold the 500 ids once each (with partitions: each in the log of the partition src/core/partitions.ts
 * gives it), the PNG must appear, every process must end with exit code 0 on SIGTERM, and the broker must hold
 * nothing afterwards. The compose file thereby cannot drift from the CLI.
 *
 * It uses the real queues and streams (`features`, `y_true`, `y_pred`; `y_true.<p>`, `y_pred.<p>` with
 * partitions), since the wire names cannot change, and deletes them and their dead letters before and after,
 * holding the lock the end-to-end suites share for those names (harness/realQueues.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from 'nats';
import { METRIC_CSV_HEADER } from '../../src/core/metricCsv.js';
import { metricLogName, partitionOf, partitionTopics } from '../../src/core/partitions.js';
import { deadLetterTopicName, FEATURES, Y_PRED, Y_TRUE } from '../../src/core/topics.js';
import { METRIC_LOG_NAME } from '../../src/cli/paths.js';
import { NATS_DEFAULTS } from '../../src/transports/nats/options.js';
import { streamName } from '../../src/transports/nats/names.js';
import { AMQP_URL, NATS_URL, brokerReachable } from '../../harness/brokers.js';
import { cliCommand } from '../../harness/cli.js';
import {
  activeServices,
  containerEnv,
  isOurs,
  loadCompose,
  localHealthcheck,
  localValue,
  type ComposeService,
  type LocalMapping,
} from '../support/compose.js';
import { deleteTopicStreams, freePort } from '../../harness/natsServer.js';
import { checkQueues, lockRealQueues, resetRealQueues } from '../../harness/realQueues.js';
import { deleteTopics } from '../../harness/amqpBroker.js';
import { until, type Watched } from '../../harness/poll.js';

const run = promisify(execFile);
const COUNT = 500;
const MODEL_REPLICAS = 2;
/** The metric partitions of the `partitioned` profile (PIPELINE_PARTITIONS there). */
const PARTITIONS = 3;
const QUEUE_TOPICS = [FEATURES.name, Y_TRUE.name, Y_PRED.name];
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Running {
  readonly label: string;
  readonly service: ComposeService;
  /** The local port of its /metrics and /readyz, when the service serves them. */
  readonly metricsPort: number | undefined;
  readonly root: string;
  readonly child: ChildProcess;
  readonly exit: Promise<number | null>;
  stderr: string;
}

/**
 * Starts one replica of a service. The image's entrypoint is the CLI, so `command` is its arguments; the working
 * directory is the replica's own folder (a container's own /app), so relative paths never reach the repository.
 */
async function startService(
  s: ComposeService,
  replica: number,
  shell: Record<string, string>,
  shared: Omit<LocalMapping, 'root'>,
): Promise<Running> {
  const root = await mkdtemp(join(tmpdir(), `compose-${s.name}-${replica}-`));
  const m: LocalMapping = { ...shared, root };
  const env = Object.fromEntries(
    Object.entries(containerEnv(s, shell)).map(([k, v]) => [k, localValue(v, s, m, k)]),
  );
  // Each container has its own network namespace, and every one listens on the same metrics port; local
  // processes share one, so each gets a free port of its own, on loopback only.
  const metricsPort = env.PIPELINE_METRICS_PORT === undefined ? undefined : await freePort();
  if (metricsPort !== undefined) {
    env.PIPELINE_METRICS_PORT = String(metricsPort);
    env.PIPELINE_METRICS_HOST = '127.0.0.1';
  }
  const cli = cliCommand((s.command ?? []).map((a) => localValue(a, s, m)));
  // `--import tsx` resolves from the working directory, which has no node_modules: name the loader itself.
  const argv = cli.argv.map((a, i) =>
    a === 'tsx' && cli.argv[i - 1] === '--import' ? import.meta.resolve('tsx') : a,
  );
  // Only what a container would have, plus PATH: no stray PIPELINE_* from the test's own environment.
  const child = spawn(cli.command, argv, {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const running: Running = {
    label: `${s.name}#${replica}`,
    service: s,
    metricsPort,
    root,
    child,
    stderr: '',
    exit: new Promise((resolve) => child.on('close', (code) => resolve(code))),
  };
  child.stderr?.setEncoding('utf8').on('data', (t: string) => {
    running.stderr = (running.stderr + t).slice(-4000);
  });
  return running;
}

const alive = (r: Running): boolean => r.child.exitCode === null && r.child.signalCode === null;

/** Complete lines of the CSV (a row being written has no newline yet). */
async function csvLines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(0, -1);
}

const isPng = async (file: string): Promise<boolean> =>
  (await readFile(file).catch(() => Buffer.alloc(0))).subarray(0, 8).equals(PNG_SIGNATURE);

/**
 * Passes once the process's healthcheck, run as Docker would, passes; or when it ended with exit code 0 first
 * (`features` with PIPELINE_COUNT may finish before a check comes round). Polls /readyz in-process, then runs
 * the healthcheck command itself once.
 */
async function readyOrDone(p: Running): Promise<'ready' | 'done' | false> {
  if (p.child.exitCode === 0) return 'done';
  if (p.metricsPort === undefined) return false;
  const ok = await fetch(`http://127.0.0.1:${p.metricsPort}/readyz`).then(
    (r) => r.ok,
    () => false,
  );
  if (!ok) return false;
  const { command, args } = localHealthcheck(p.service, p.metricsPort);
  return run(command, args, { timeout: 10_000 }).then(
    () => 'ready' as const,
    () => false as const,
  );
}

/** The compose processes as `until` watches them: one that dies with an error ends the wait at once. */
function watching(procs: readonly Running[]): Watched {
  return {
    failure: () => {
      const failed = procs.find((p) => p.child.exitCode !== null && p.child.exitCode !== 0);
      return failed && `${failed.label} exited with ${failed.child.exitCode}`;
    },
    report: () => procs.map((p) => `--- ${p.label} (exit ${p.child.exitCode})\n${p.stderr}`).join('\n'),
  };
}

/** SIGTERM to every live process by pid; SIGKILL (and a failure) for one that does not stop. */
async function stopAll(procs: readonly Running[]): Promise<(number | null)[]> {
  for (const p of procs) if (alive(p) && p.child.pid !== undefined) process.kill(p.child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    for (const p of procs) if (alive(p) && p.child.pid !== undefined) process.kill(p.child.pid, 'SIGKILL');
  }, 30_000);
  const codes = await Promise.all(procs.map((p) => p.exit));
  clearTimeout(timer);
  return codes;
}

interface Broker {
  /** Its compose service, whose host name the services' URLs use. */
  readonly service: string;
  readonly url: string;
  readonly skip: string | false;
  /** Waits until no other test file uses the real names, and holds them until the returned function runs. */
  lock(): Promise<() => Promise<void>>;
  /** Deletes these queue topics and their dead letters. */
  reset(topics: readonly string[]): Promise<void>;
  /** Messages still in these queue topics and in their dead letters. */
  leftover(topics: readonly string[]): Promise<number>;
}

const RABBITMQ: Broker = {
  service: 'rabbitmq',
  url: AMQP_URL,
  skip: await brokerReachable('rabbitmq', AMQP_URL),
  lock: () => lockRealQueues(),
  reset: async (topics) => {
    // First, since it refuses (deleting nothing) while another process consumes the real queues.
    await resetRealQueues();
    await deleteTopics([...topics]);
  },
  leftover: async (topics) => {
    const queues = await checkQueues(topics.flatMap((t) => [t, deadLetterTopicName(t)]));
    return [...queues.values()].reduce((n, q) => n + (q?.messages ?? 0), 0);
  },
};

const NATS: Broker = {
  service: 'nats',
  url: NATS_URL,
  skip: await brokerReachable('nats', NATS_URL),
  lock: () => lockRealQueues(), // one lock for every test that uses the real wire names, on any broker
  reset: (topics) => deleteTopicStreams(NATS_URL, NATS_DEFAULTS.streamPrefix, topics),
  leftover: async (topics) => {
    const streams = new Set(
      topics.flatMap((t) =>
        (['queue', 'deadLetter'] as const).map((kind) => streamName(NATS_DEFAULTS.streamPrefix, t, kind)),
      ),
    );
    const nc = await connect({ servers: NATS_URL });
    try {
      let n = 0;
      for await (const s of (await nc.jetstreamManager()).streams.list())
        if (streams.has(s.config.name)) n += s.state.messages;
      return n;
    } finally {
      await nc.close();
    }
  },
};

/** A metric log of a profile, in the logs folder, and which record ids belong in it. */
interface MetricLog {
  readonly file: string;
  readonly holds: (id: string) => boolean;
}

interface Pipeline {
  readonly profile: string;
  readonly broker: Broker;
  /** The commands of its services, one per service, sorted. */
  readonly commands: readonly string[];
  /** The queue topics its services use. */
  readonly topics: readonly string[];
  readonly logs: readonly MetricLog[];
}

const ONE_LOG: readonly MetricLog[] = [{ file: METRIC_LOG_NAME, holds: () => true }];
const PIPELINES: readonly Pipeline[] = [
  {
    profile: 'rabbit',
    broker: RABBITMQ,
    commands: ['features', 'metric', 'model', 'plot'],
    topics: QUEUE_TOPICS,
    logs: ONE_LOG,
  },
  {
    profile: 'nats',
    broker: NATS,
    commands: ['features', 'metric', 'model', 'plot'],
    topics: QUEUE_TOPICS,
    logs: ONE_LOG,
  },
  {
    profile: 'partitioned',
    broker: RABBITMQ,
    commands: ['features', ...Array<string>(PARTITIONS).fill('metric'), 'model', 'plot'],
    topics: [
      FEATURES.name,
      ...[Y_TRUE, Y_PRED].flatMap((t) => partitionTopics(t, PARTITIONS).map((q) => q.name)),
    ],
    logs: Array.from({ length: PARTITIONS }, (_, p) => ({
      file: metricLogName(p, PARTITIONS),
      holds: (id: string) => partitionOf(id, PARTITIONS) === p,
    })),
  },
];

/** The header and the complete rows of each metric log of the run. */
const readLogs = (logs: string, pipeline: Pipeline): Promise<{ header?: string; rows: string[] }[]> =>
  Promise.all(
    pipeline.logs.map(async (log) => {
      const [header, ...rows] = await csvLines(join(logs, log.file));
      return header === undefined ? { rows } : { header, rows };
    }),
  );

for (const pipeline of PIPELINES) {
  const { profile, broker } = pipeline;
  describe(`docker compose --profile ${profile}, as local processes`, { skip: broker.skip }, () => {
    let logs: string;
    let unlock: (() => Promise<void>) | undefined;
    const procs: Running[] = [];

    before(async () => {
      logs = await mkdtemp(join(tmpdir(), `compose-${profile}-`));
      unlock = await broker.lock();
      await broker.reset(pipeline.topics);
    });
    after(async () => {
      // Only reached with live processes when the test failed half-way.
      for (const p of procs) if (alive(p) && p.child.pid !== undefined) process.kill(p.child.pid, 'SIGKILL');
      await Promise.all(procs.map((p) => p.exit));
      try {
        await broker.reset(pipeline.topics);
      } finally {
        await unlock?.();
        for (const dir of [logs, ...procs.map((p) => p.root)])
          await rm(dir, { recursive: true, force: true });
      }
    });

    const into = pipeline.logs.length === 1 ? 'the CSV' : "the partition logs (each id in its partition's)";
    it(`fills ${into} with ${COUNT} distinct ids and draws the PNG`, { timeout: 240_000 }, async () => {
      const u = new URL(broker.url);
      // The shell a user would run compose from: the settings of this run, and the test broker's credentials.
      const shell: Record<string, string> = {
        PIPELINE_COUNT: String(COUNT),
        PIPELINE_INTERVAL: '0',
        ...(u.username ? { RABBITMQ_DEFAULT_USER: decodeURIComponent(u.username) } : {}),
        ...(u.password ? { RABBITMQ_DEFAULT_PASS: decodeURIComponent(u.password) } : {}),
      };
      const compose = loadCompose(shell);
      const mapping = { hosts: { [broker.service]: u.host }, workdir: '/app', binds: { './logs': logs } };
      const services = activeServices(compose, [profile]).filter(isOurs);
      assert.deepEqual(
        services.map((s) => s.command?.[0]).sort(),
        pipeline.commands,
        `the profile runs ${pipeline.commands.join(', ')}`,
      );

      for (const s of services) {
        const replicas = s.command?.[0] === 'model' ? MODEL_REPLICAS : 1;
        for (let i = 1; i <= replicas; i++) procs.push(await startService(s, i, shell, mapping));
      }

      const readiness = await Promise.all(
        procs.map((p) =>
          until(() => readyOrDone(p), `${p.label} ready`, {
            timeoutMs: 60_000,
            intervalMs: 250,
            watch: watching(procs),
          }),
        ),
      );
      procs.forEach((p, i) =>
        assert.ok(
          readiness[i] === 'ready' || p.service.command?.[0] === 'features',
          `${p.label} passed its healthcheck (only features may finish first)`,
        ),
      );

      const pngFile = join(logs, 'error_distribution.png');
      const rowCount = async (): Promise<number> =>
        (await readLogs(logs, pipeline)).reduce((n, l) => n + l.rows.length, 0);
      await until(async () => (await rowCount()) >= COUNT && (await isPng(pngFile)), 'the rows and the PNG', {
        timeoutMs: 180_000,
        intervalMs: 250,
        watch: watching(procs),
      });
      const codes = await stopAll(procs);
      assert.deepEqual(
        codes,
        procs.map(() => 0),
        `every process ends cleanly:\n${procs.map((p) => `--- ${p.label}\n${p.stderr}`).join('\n')}`,
      );

      const ids: string[] = [];
      for (const [i, { header, rows }] of (await readLogs(logs, pipeline)).entries()) {
        const log = pipeline.logs[i] as MetricLog;
        assert.equal(header, METRIC_CSV_HEADER, `${log.file} has the header`);
        const own = rows.map((r) => r.split(',')[0] ?? '');
        const strays = own.filter((id) => !log.holds(id));
        assert.deepEqual(strays, [], `${log.file} holds only the ids of its partition`);
        ids.push(...own);
      }
      assert.equal(ids.length, COUNT, 'one row per record, none doubled');
      assert.equal(new Set(ids).size, COUNT, 'ids are distinct');
      assert.ok(await isPng(pngFile), 'the PNG is a PNG');
      assert.equal(await broker.leftover(pipeline.topics), 0, 'nothing is left in the queue topics');
    });
  });
}
