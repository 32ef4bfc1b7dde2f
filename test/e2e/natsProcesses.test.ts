/**
 * Acceptance over NATS: the four services as four OS processes of the real CLI, on the real subjects and
 * JetStream streams of the wire contract, as docker compose runs them. 5,000 records go through, in JetStream
 * mode and in core mode; the metric log then holds each exactly once. In JetStream mode every durable consumer
 * is left with nothing pending or unacked; core mode leaves nothing behind at all.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { METRIC_CSV_HEADER } from '../../src/core/metricCsv.js';
import { NATS_URL } from '../../harness/brokers.js';
import {
  realStreams,
  REAL_STREAMS,
  resetRealStreams,
  type ConsumerFigures,
} from '../../harness/realQueues.js';
import { until } from '../../harness/poll.js';
import { onRealTopics } from '../support/realTopicsSuite.js';
import { ServiceProcesses, waitForCsvRows } from '../../harness/serviceProcesses.js';

const RECORDS = 5000;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The durable consumers the services create: each named after its service, on each stream it reads. */
const EXPECTED_CONSUMERS = ['PIPELINE_features/model', 'PIPELINE_y_pred/metric', 'PIPELINE_y_true/metric'];
/** Where a nats-server started with `-m 8222` serves its monitoring; the local one runs without it. */
const MONITOR_URL = process.env.TEST_NATS_MONITOR_URL ?? 'http://127.0.0.1:8222';

type Figures = Pick<ConsumerFigures, 'stream' | 'consumer' | 'pending' | 'ackPending'>;
const label = (c: Pick<ConsumerFigures, 'stream' | 'consumer'>): string => `${c.stream}/${c.consumer}`;
const settled = (cs: readonly Figures[]): boolean => cs.every((c) => c.pending === 0 && c.ackPending === 0);

interface Jsz {
  readonly account_details?: readonly {
    readonly stream_detail?: readonly {
      readonly name: string;
      readonly consumer_detail?: readonly {
        readonly name: string;
        readonly num_pending: number;
        readonly num_ack_pending: number;
      }[];
    }[];
  }[];
}

/** The real consumers as the server's monitoring endpoint (/jsz) shows them, or why it cannot be read. */
async function monitoredConsumers(): Promise<Figures[] | string> {
  let port: unknown;
  try {
    const varz = (await (
      await fetch(`${MONITOR_URL}/varz`, { signal: AbortSignal.timeout(2000) })
    ).json()) as {
      port?: unknown;
    };
    port = varz.port;
  } catch {
    return `no monitoring endpoint at ${MONITOR_URL} (the server runs without -m)`;
  }
  if (port !== Number(new URL(NATS_URL).port || 4222))
    return `the monitoring endpoint at ${MONITOR_URL} belongs to another server (client port ${String(port)})`;
  const jsz = (await (
    await fetch(`${MONITOR_URL}/jsz?accounts=true&streams=true&consumers=true`, {
      signal: AbortSignal.timeout(5000),
    })
  ).json()) as Jsz;
  return (jsz.account_details ?? [])
    .flatMap((a) => a.stream_detail ?? [])
    .filter((s) => REAL_STREAMS.includes(s.name))
    .flatMap((s) =>
      (s.consumer_detail ?? []).map((c) => ({
        stream: s.name,
        consumer: c.name,
        pending: c.num_pending,
        ackPending: c.num_ack_pending,
      })),
    );
}

/**
 * Starts model, metric and plot, sends `RECORDS` records with features, and waits for them all in the CSV.
 * Resolves once features has exited by itself, having published every record.
 */
async function runRecords(t: TestContext, procs: ServiceProcesses, mode: string, dir: string): Promise<void> {
  const nats = ['--transport=nats', `--nats-mode=${mode}`, '--url', NATS_URL];
  const connected = new RegExp(`${mode === 'core' ? 'nats-core' : 'nats'}: connected`);
  procs.start('model', { command: 'model', args: nats });
  procs.start('metric', { command: 'metric', args: [...nats, '--log-dir', dir] });
  procs.start('plot', { command: 'plot', args: ['--log-dir', dir, '--plot-interval', '500'] });
  // Core NATS keeps nothing for a subscriber that is not there yet. A service subscribes right as it connects
  // (metric once its log is open), and features needs a good second to start, so its first record finds them.
  await Promise.all([
    procs.waitForOutput('model', connected, 30_000),
    procs.waitForOutput('metric', connected, 30_000),
    procs.waitForOutput('metric', /metric: appending to/, 30_000),
  ]);

  const t0 = performance.now();
  procs.start('features', {
    command: 'features',
    // Its progress file goes to the test's folder: one in logs/ left unfinished by another run would be resumed.
    args: [...nats, '--count', String(RECORDS), '--interval', '0', '--log-dir', dir],
    exitsByItself: true,
  });
  await waitForCsvRows(join(dir, 'metric_log.csv'), RECORDS, { timeoutMs: 60_000, processes: procs });
  const seconds = (performance.now() - t0) / 1000;
  t.diagnostic(
    `${mode}: ${RECORDS} records through 4 processes in ${seconds.toFixed(1)} s ` +
      `(${Math.round(RECORDS / seconds)}/s), features start-up included`,
  );

  assert.deepEqual(await procs.waitForExit('features', 15_000), { code: 0, signal: null }, procs.report());
  assert.match(procs.run('features').stdout, /published 5,000/);
}

async function stopServices(procs: ServiceProcesses): Promise<void> {
  for (const name of ['model', 'metric', 'plot'])
    assert.deepEqual(
      await procs.stop(name),
      { code: 0, signal: null },
      `${name} stops cleanly\n${procs.report()}`,
    );
}

/** Exactly one row per record, each error |y_true - y_pred|, and the histogram drawn. */
async function assertLogAndPlot(dir: string): Promise<void> {
  const lines = (await readFile(join(dir, 'metric_log.csv'), 'utf8')).split('\n');
  assert.equal(lines.shift(), METRIC_CSV_HEADER);
  assert.equal(lines.pop(), '', 'the log ends with a newline');
  const ids = new Set(lines.map((l) => l.split(',')[0]));
  assert.equal(ids.size, RECORDS, 'every record once: no record lost');
  assert.equal(lines.length, RECORDS, 'exactly one row per record, no duplicates written');
  for (const line of lines) {
    const [, yTrue, yPred, err] = line.split(',').map(Number);
    assert.equal(err, Math.abs((yTrue ?? NaN) - (yPred ?? NaN)), line);
  }
  assert.deepEqual((await readFile(join(dir, 'error_distribution.png'))).subarray(0, 8), PNG_SIGNATURE);
}

describe('four service processes over NATS', () => {
  const runs: ServiceProcesses[] = [];
  // Each run resets the streams itself (begin), so the suite need not once the lock is taken.
  const real = onRealTopics({
    broker: 'nats',
    url: NATS_URL,
    dirPrefix: 'nats-processes-',
    reset: resetRealStreams,
    resetFirst: false,
    stopAll: async () => {
      await Promise.all(runs.map((p) => p.stopAll()));
    },
  });

  const begin = async (mode: string): Promise<{ procs: ServiceProcesses; dir: string }> => {
    await resetRealStreams();
    const procs = new ServiceProcesses();
    runs.push(procs);
    return { procs, dir: await mkdtemp(join(real.dir, `${mode}-`)) };
  };

  it(
    `JetStream, features --count ${RECORDS} --interval 0: every record once, every consumer settled`,
    { timeout: 90_000 },
    async (t) => {
      if (real.skip) return t.skip(real.skip);
      const { procs, dir } = await begin('jetstream');
      await runRecords(t, procs, 'jetstream', dir);

      // Metric acks a record's two messages once its row is on disk: the consumers settle right after the last row.
      const live = await until(
        async () => {
          const { consumers } = await realStreams();
          return settled(consumers) ? consumers : undefined;
        },
        'every consumer to settle',
        { timeoutMs: 20_000, intervalMs: 250, watch: procs },
      );
      assert.deepEqual(live.map(label).sort(), EXPECTED_CONSUMERS);
      t.diagnostic(`jsm.consumers.info: ${JSON.stringify(live)}`);
      const monitored = await monitoredConsumers();
      if (typeof monitored === 'string')
        t.diagnostic(`${monitored}: consumers checked through the client only`);
      else {
        assert.deepEqual(monitored.map(label).sort(), EXPECTED_CONSUMERS);
        assert.ok(settled(monitored), `monitoring /jsz: ${JSON.stringify(monitored)}`);
        t.diagnostic(`monitoring ${MONITOR_URL}/jsz agrees: ${JSON.stringify(monitored)}`);
      }

      await stopServices(procs);

      // Stopped services give back what they held: anything unsettled would show as pending or unacked now.
      const { messages, consumers } = await realStreams();
      assert.deepEqual(consumers.map(label).sort(), EXPECTED_CONSUMERS, 'the durable consumers outlive them');
      for (const c of consumers) assert.deepEqual([c.pending, c.ackPending], [0, 0], JSON.stringify(c));
      for (const [stream, n] of messages) assert.equal(n, 0, `${stream} holds no message (nor dead letter)`);
      await assertLogAndPlot(dir);
    },
  );

  it(
    `core mode, features --count ${RECORDS} --interval 0: every record once, no stream touched`,
    { timeout: 90_000 },
    async (t) => {
      if (real.skip) return t.skip(real.skip);
      const { procs, dir } = await begin('core');
      await runRecords(t, procs, 'core', dir);
      await stopServices(procs);
      // Core mode stores nothing: no JetStream stream was created, so none of the records stayed behind there.
      assert.deepEqual([...(await realStreams()).messages.keys()], []);
      await assertLogAndPlot(dir);
    },
  );
});
