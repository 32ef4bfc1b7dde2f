/**
 * Scenario 1: kill -9 of metric in the middle of a run, then a restart. Metric acks a record's two messages only
 * once its row is on disk, so the broker redelivers whatever the dead process held, and the restarted process
 * recognises the rows already written by the ids in the log's tail: the log ends with each id exactly once.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertNothingDeadLettered, audit } from './support/audit.js';
import { killMidRun } from './support/killMidRun.js';
import { recordAudit } from './support/results.js';
import { overEachTransport } from './support/scenario.js';

const RECORDS = 20_000;

overEachTransport('kill -9 of metric mid-run', ['amqp', 'nats'], (s) => {
  it(
    `${RECORDS} records, metric killed at 30% and restarted: each id once in the log`,
    { timeout: 300_000 },
    async (t) => {
      const p = await s.pipeline(t, { records: RECORDS });
      if (!p) return;
      await p.startAll();
      await killMidRun(t, p, 'metric', 0.3);
      const a = await audit(p);
      assert.match(p.procs.run('metric').stderr, /resuming/, 'the restarted metric read the log it resumes');
      assertNothingDeadLettered(a);
      await recordAudit(t, p, '1 kill -9 metric', a);
    },
  );
});
