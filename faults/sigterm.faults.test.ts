/**
 * Scenario 4: SIGTERM (what `docker stop` sends) to each service in turn, mid-run. Each must drain (finish what
 * it has taken, hand back what it has not) and exit 0 before the grace period is over: `stop` SIGKILLs it at
 * 5 s, which would show as an exit by signal. After each restart the run goes on, and ends with no record lost
 * and none written twice.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertNothingDeadLettered, audit } from './support/audit.js';
import type { PipelineService } from './support/pipeline.js';
import { recordAudit } from './support/results.js';
import { overEachTransport } from './support/scenario.js';

const RECORDS = 20_000;
const GRACE_MS = 5_000;
/** Who is stopped when: metric at 15% of the rows, then model, plot and features. */
const STOPS: readonly [PipelineService, number][] = [
  ['metric', 0.15],
  ['model', 0.35],
  ['plot', 0.5],
  ['features', 0.6],
];

overEachTransport('SIGTERM to each service mid-run', ['amqp', 'nats'], (s) => {
  it(
    `${RECORDS} records; metric, model, plot and features each stopped and restarted: exit 0 within ${GRACE_MS / 1000} s, nothing lost`,
    { timeout: 300_000 },
    async (t) => {
      // Paced (at most 1,000 records/s) so that features is still sending when its turn comes.
      const p = await s.pipeline(t, {
        records: RECORDS,
        intervalMs: 1,
        extraArgs: { plot: ['--plot-interval', '500'] },
      });
      if (!p) return;
      await p.startAll(true);
      const took: string[] = [];
      for (const [name, share] of STOPS) {
        await p.rows(RECORDS * share);
        const { exit, ms } = await p.terminate(name, GRACE_MS);
        assert.deepEqual(
          exit,
          { code: 0, signal: null },
          `${name} drains and exits 0 within ${GRACE_MS} ms\n${p.procs.report()}`,
        );
        took.push(`${name} ${(ms / 1000).toFixed(1)} s`);
        p.start(name);
        if (name !== 'plot') await p.connected(name);
      }
      const a = await audit(p);
      assertNothingDeadLettered(a);
      assert.match(p.procs.runs('features')[1]?.stderr ?? '', /resuming run/, 'features continued its run');
      await recordAudit(t, p, '4 SIGTERM each service', a, `stops took ${took.join(', ')}`);
    },
  );
});
