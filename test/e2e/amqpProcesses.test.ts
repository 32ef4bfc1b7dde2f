/**
 * Acceptance over RabbitMQ: the four services as four OS processes of the real CLI, on the real queues of the
 * wire contract, as docker compose runs them. 5,000 records go through; the metric log then holds each exactly
 * once, and nothing is left in the queues, ready or unacked.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { METRIC_CSV_HEADER } from '../../src/core/metricCsv.js';
import { AMQP_URL } from '../../harness/brokers.js';
import {
  checkQueues,
  rabbitmqctlQueues,
  REAL_QUEUES,
  REAL_QUEUES_AND_DEAD_LETTERS,
  resetRealQueues,
  usableRabbitmqctl,
} from '../../harness/realQueues.js';
import { until } from '../../harness/poll.js';
import { onRealTopics } from '../support/realTopicsSuite.js';
import { ServiceProcesses, waitForCsvRows } from '../../harness/serviceProcesses.js';

const RECORDS = 5000;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('four service processes over RabbitMQ', () => {
  const procs = new ServiceProcesses();
  const real = onRealTopics({
    broker: 'rabbitmq',
    url: AMQP_URL,
    dirPrefix: 'amqp-processes-',
    reset: resetRealQueues,
    resetFirst: true,
    stopAll: () => procs.stopAll(),
  });

  it(
    `features --count ${RECORDS} --interval 0: every record once in the log, nothing left in the queues`,
    {
      timeout: 90_000,
    },
    async (t) => {
      if (real.skip) return t.skip(real.skip);
      const amqp = ['--transport=amqp', '--url', AMQP_URL];
      const csvFile = join(real.dir, 'metric_log.csv');
      procs.start('model', { command: 'model', args: amqp });
      procs.start('metric', { command: 'metric', args: [...amqp, '--log-dir', real.dir] });
      procs.start('plot', { command: 'plot', args: ['--log-dir', real.dir, '--plot-interval', '500'] });
      await Promise.all(['model', 'metric'].map((n) => procs.waitForOutput(n, /amqp: connected/, 30_000)));

      const t0 = performance.now();
      procs.start('features', {
        command: 'features',
        args: [...amqp, '--count', String(RECORDS), '--interval', '0', '--log-dir', real.dir],
        exitsByItself: true,
      });
      await waitForCsvRows(csvFile, RECORDS, { timeoutMs: 60_000, processes: procs });
      const seconds = (performance.now() - t0) / 1000;
      t.diagnostic(
        `${RECORDS} records through 4 processes in ${seconds.toFixed(1)} s (${Math.round(RECORDS / seconds)}/s), ` +
          'features start-up included',
      );

      const features = await procs.waitForExit('features', 15_000);
      assert.deepEqual(features, { code: 0, signal: null }, procs.report());
      assert.match(procs.run('features').stdout, /published 5,000/);

      // Metric acks a record's two messages once its row is on disk: the queues drain right after the last row.
      const ctl = await usableRabbitmqctl();
      if (ctl) {
        const figures = await until(
          async () => {
            const q = await rabbitmqctlQueues(ctl);
            const all = REAL_QUEUES.map((n) => q.get(n));
            return all.every((f) => f && f.ready === 0 && f.unacked === 0) ? all : undefined;
          },
          'rabbitmqctl to show the queues empty',
          { timeoutMs: 20_000, intervalMs: 500, watch: procs },
        );
        t.diagnostic(
          `rabbitmqctl list_queues: ${JSON.stringify(Object.fromEntries(REAL_QUEUES.map((n, i) => [n, figures[i]])))}`,
        );
      } else t.diagnostic('rabbitmqctl is not installed: queues checked through amqplib only');

      for (const name of ['model', 'metric', 'plot'])
        assert.deepEqual(
          await procs.stop(name),
          { code: 0, signal: null },
          `${name} stops cleanly\n${procs.report()}`,
        );

      // With every consumer gone, anything left unacked would be back to ready: ready 0 means nothing was left.
      const queues = await checkQueues(REAL_QUEUES_AND_DEAD_LETTERS);
      for (const name of REAL_QUEUES)
        assert.deepEqual(queues.get(name), { messages: 0, consumers: 0 }, `queue ${name} after the run`);
      for (const name of REAL_QUEUES_AND_DEAD_LETTERS.slice(REAL_QUEUES.length))
        assert.equal(queues.get(name)?.messages ?? 0, 0, `no dead letters in ${name}`);

      const lines = (await readFile(csvFile, 'utf8')).split('\n');
      assert.equal(lines.shift(), METRIC_CSV_HEADER);
      assert.equal(lines.pop(), '', 'the log ends with a newline');
      assert.equal(lines.length, RECORDS, 'exactly one row per record, no duplicates written');
      const ids = new Set(lines.map((l) => l.split(',')[0]));
      assert.equal(ids.size, RECORDS, 'ids are distinct');
      for (const line of lines) {
        const [, yTrue, yPred, err] = line.split(',').map(Number);
        assert.equal(err, Math.abs((yTrue ?? NaN) - (yPred ?? NaN)), line);
      }
      assert.deepEqual(
        (await readFile(join(real.dir, 'error_distribution.png'))).subarray(0, 8),
        PNG_SIGNATURE,
      );
    },
  );
});
