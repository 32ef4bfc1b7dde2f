/**
 * Acceptance of the model watch across processes, over RabbitMQ and over NATS JetStream: two model replicas and
 * one metric as OS processes of the real CLI, then features with drift injected into bmi from record 10,000.
 * The metric merges both replicas' drift windows, its summary holds the figures of its log, and the bmi alert fires.
 *
 * The `record` of an alert counts the records the metric had joined when it fired. The replicas' drift messages
 * travel beside the `y_pred` queue, not through it, so the metric may hear of drift before it has joined the
 * records behind it: how far behind depends on the queues' backlog, which nothing bounds. It is measured and
 * reported, not asserted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALERTS_FILE_NAME, SUMMARY_FILE_NAME } from '../../src/core/summaryBody.js';
import { AMQP_URL, brokerReachable, NATS_URL } from '../../harness/brokers.js';
import { lockRealQueues, resetRealQueues, resetRealStreams } from '../../harness/realQueues.js';
import { ServiceProcesses, waitForCsvRows } from '../../harness/serviceProcesses.js';
import {
  assertSummaryOfRows,
  driftColumns,
  psiColumn,
  readAlertLog,
  readMetricRows,
  readSummary,
} from '../support/watchFiles.js';

const RECORDS = 20_000;
const DRIFT_FROM = 10_000;
const REPLICAS = ['model-1', 'model-2'];

interface Broker {
  readonly name: 'rabbitmq' | 'nats';
  readonly title: string;
  readonly url: string;
  /** The transport arguments every service gets. */
  readonly args: readonly string[];
  /** What a service prints once it is connected. */
  readonly connected: RegExp;
  /** Deletes the real queues or streams (and so everything left in them). */
  readonly reset: () => Promise<void>;
}

const BROKERS: readonly Broker[] = [
  {
    name: 'rabbitmq',
    title: 'RabbitMQ',
    url: AMQP_URL,
    args: ['--transport=amqp', '--url', AMQP_URL],
    connected: /amqp: connected/,
    reset: resetRealQueues,
  },
  {
    name: 'nats',
    title: 'NATS JetStream',
    url: NATS_URL,
    args: ['--transport=nats', '--nats-mode=jetstream', '--url', NATS_URL],
    connected: /nats: connected/,
    reset: () => resetRealStreams(),
  },
];

for (const broker of BROKERS)
  describe(`watching the model over ${broker.title}: two model replicas, one metric`, () => {
    const procs = new ServiceProcesses();
    let skip: string | false = false;
    let unlock: (() => Promise<void>) | undefined;
    let dir = '';

    before(async () => {
      skip = await brokerReachable(broker.name, broker.url);
      dir = await mkdtemp(join(tmpdir(), `watch-${broker.name}-`));
      if (skip) return;
      unlock = await lockRealQueues();
      await broker.reset();
    });

    after(async () => {
      await procs.stopAll();
      try {
        if (unlock) await broker.reset();
      } finally {
        await unlock?.();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it(
      `features --count ${RECORDS} --inject-drift bmi=0.05@${DRIFT_FROM}: both windows merged, the bmi alert fires`,
      { timeout: 90_000 },
      async (t) => {
        if (skip) return t.skip(skip);
        const args = broker.args;
        for (const name of REPLICAS) procs.start(name, { command: 'model', args });
        procs.start('metric', { command: 'metric', args: [...args, '--log-dir', dir] });
        // Drift travels on a broadcast topic, which keeps nothing for a subscriber that is not there yet.
        await Promise.all([
          ...[...REPLICAS, 'metric'].map((name) => procs.waitForOutput(name, broker.connected, 30_000)),
          procs.waitForOutput('metric', /metric: appending to/, 30_000),
        ]);

        const t0 = performance.now();
        procs.start('features', {
          command: 'features',
          args: [
            ...args,
            ...['--count', String(RECORDS), '--interval', '0', '--seed', '1'],
            ...['--inject-drift', `bmi=0.05@${DRIFT_FROM}`, '--log-dir', dir],
          ],
          exitsByItself: true,
        });
        await waitForCsvRows(join(dir, 'metric_log.csv'), RECORDS, { timeoutMs: 60_000, processes: procs });
        const seconds = (performance.now() - t0) / 1000;
        t.diagnostic(
          `${RECORDS} records through 4 processes in ${seconds.toFixed(1)} s ` +
            `(${Math.round(RECORDS / seconds)}/s), features start-up included`,
        );
        assert.deepEqual(
          await procs.waitForExit('features', 15_000),
          { code: 0, signal: null },
          procs.report(),
        );

        // The replicas first, so that their last drift counts reach the metric; the metric writes its summary at exit.
        for (const name of [...REPLICAS, 'metric'])
          assert.deepEqual(
            await procs.stop(name),
            { code: 0, signal: null },
            `${name} stops cleanly\n${procs.report()}`,
          );

        const rows = await readMetricRows(join(dir, 'metric_log.csv'));
        assert.equal(rows.length, RECORDS, 'exactly one row per record');
        assert.equal(new Set(rows.map((r) => r.id)).size, RECORDS, 'every id once');
        const summary = await readSummary(join(dir, SUMMARY_FILE_NAME));
        assertSummaryOfRows(summary, rows);
        assert.equal(summary.drift.enabled, true);
        assert.equal(summary.drift.sources, REPLICAS.length, "both replicas' windows merged");

        const psiAlerts = (await readAlertLog(join(dir, ALERTS_FILE_NAME))).filter((e) => psiColumn(e.rule));
        const bmi = psiAlerts.find((e) => e.rule === 'psi.bmi > 0.2' && e.state === 'firing');
        assert.ok(bmi, `psi.bmi fires: ${JSON.stringify(psiAlerts)}\n${procs.report()}`);
        for (const e of psiAlerts) {
          assert.ok(driftColumns().includes(psiColumn(e.rule) ?? ''), `${e.rule} names a drift column`);
          if (e.state === 'firing') assert.ok(e.value > e.threshold, JSON.stringify(e));
        }
        t.diagnostic(
          `psi.bmi fired with PSI ${bmi.value.toFixed(3)} when the metric had joined ${bmi.record} records ` +
            `(${bmi.record - DRIFT_FROM} from the first drifted one); drift alerts: ` +
            psiAlerts.map((e) => `${e.rule} ${e.state} @${e.record}`).join(', '),
        );
      },
    );
  });
