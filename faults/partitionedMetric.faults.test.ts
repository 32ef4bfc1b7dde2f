/**
 * Scenario 11: the metric in three partitions (docs/partitions.md), one process per partition; the metric of
 * partition 1 is killed with SIGKILL at 30% of the run and restarted with the same options. The restarted one
 * must take its partition's lease again (RabbitMQ: the exclusive queue the broker deleted with the dead
 * connection; JetStream: the KV key, once it expires), resume its own log, and absorb what the broker redelivers;
 * the other two partitions carry on untouched. At the end every id is once across the three logs, in the log
 * its hash names, and nothing is dead-lettered.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { recordResult } from './support/results.js';
import { overEachTransport } from './support/scenario.js';
import {
  auditPartitioned,
  logFile,
  metricName,
  resetPartitions,
  startPartitioned,
  waitForRows,
} from './support/partitionedRun.js';
import { rowCount } from './support/audit.js';

const RECORDS = 30_000;
const PARTITIONS = 3;
const KILLED = 1;

overEachTransport('kill -9 of one metric partition mid-run', ['amqp', 'nats'], (s) => {
  it(
    `${RECORDS} records over ${PARTITIONS} partitions, the metric of partition ${KILLED} killed at 30% and ` +
      'restarted: each id once, in the log of its partition',
    { timeout: 420_000 },
    async (t) => {
      const parts = ['--partitions', String(PARTITIONS)];
      const p = await s.pipeline(t, { records: RECORDS, extraArgs: { features: parts, model: parts } });
      if (!p) return;
      await resetPartitions(p.rig, PARTITIONS);
      t.after(() => resetPartitions(p.rig, PARTITIONS));
      await startPartitioned(p, PARTITIONS);

      await waitForRows(p, PARTITIONS, RECORDS * 0.3, 240_000);
      const name = metricName(KILLED);
      const before = await rowCount(logFile(p, KILLED));
      t.diagnostic(`killing ${name} at ${p.seconds()} s, ${before} rows in its log`);
      await p.procs.restart(name, { kill: true });
      await p.procs.waitForOutput(name, new RegExp(`owns partition ${KILLED}\\b`), 60_000);
      t.diagnostic(`${name} owns its partition again at ${p.seconds()} s`);

      const a = await auditPartitioned(p, PARTITIONS);
      assert.ok(before > 0, 'the killed metric had written rows of its partition');
      assert.ok(
        before < (a.ledgers[KILLED]?.rows ?? 0),
        'the killed metric left rows of its partition to write',
      );
      assert.match(p.procs.run(name).stderr, /resuming/, 'the restarted metric resumed its own log');
      let absorbed = 0;
      for (const run of p.procs.runs(name))
        for (const m of run.stdout.matchAll(/^duplicates absorbed: ([\d,]+)$/gm))
          absorbed += Number((m[1] ?? '0').replaceAll(',', ''));
      const perPartition = a.ledgers.map((l) => l.rows.toLocaleString('en-US')).join(' / ');
      await recordResult(t, {
        scenario: '11 kill -9 of one of 3 metric partitions',
        transport: p.rig.transport,
        sent: RECORDS,
        written: a.rows,
        lost: 0,
        duplicated: 0,
        deadLettered: a.deadLetters,
        unmatched: 0,
        seconds: p.seconds(),
        note: `rows per partition ${perPartition}; killed with ${before} rows; ${absorbed} copies absorbed`,
      });
    },
  );
});
