/**
 * Scenario 3: the broker goes away mid-run and comes back. A TCP proxy between the services and the broker resets
 * every connection and refuses new ones for a few seconds, twice; over NATS the suite's own nats-server is also
 * killed (-9) and restarted on its store. Every service must reconnect by itself, and no record may be lost.
 *
 * Core NATS runs the same cuts to measure what at-most-once means: it stores nothing, so what is in flight when
 * a connection drops is gone. Its losses are recorded, not failed.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { audit, rowCount } from './support/audit.js';
import type { Pipeline } from './support/pipeline.js';
import { auditResult, recordResult } from './support/results.js';
import { overEachTransport } from './support/scenario.js';
import { sleep, until } from '../harness/poll.js';

const RECORDS = 20_000;
const OUTAGE_MS = 3_000;

/**
 * Cuts every connection at 25% and at 60% of the rows. On an at-most-once transport the second mark may never be
 * reached (too much lost): the cut then comes when features has finished.
 */
async function twoCuts(p: Pipeline): Promise<void> {
  for (const share of [0.25, 0.6]) {
    await until(
      async () =>
        (await rowCount(p.csvFile)) >= RECORDS * share || p.procs.run('features').exit ? true : undefined,
      `${share * 100}% of the rows`,
      { timeoutMs: 240_000, intervalMs: 200, watch: p.procs },
    );
    p.rig.proxy.cut(OUTAGE_MS);
    // The next cut only once every service still running is back: two cuts, not one long one.
    const running = (): number =>
      ['features', 'model', 'metric'].filter((n) => p.procs.run(n).exit === undefined).length;
    await sleep(OUTAGE_MS);
    await until(
      () => (p.rig.proxy.connections >= running() ? true : undefined),
      'the services to reconnect',
      { timeoutMs: 60_000, intervalMs: 100, watch: p.procs },
    );
  }
}

const reconnects = (p: Pipeline): number =>
  ['features', 'model', 'metric']
    .map((n) => p.procs.output(n).stderr.match(/: connected$/gm)?.length ?? 0)
    .reduce((a, b) => a + b, 0);

overEachTransport('broker outage mid-run', ['amqp', 'nats', 'nats-core'], (s) => {
  const lossy = s.transport === 'nats-core';
  it(
    `${RECORDS} records, every connection cut for ${OUTAGE_MS / 1000} s twice: ${lossy ? 'losses measured' : 'nothing lost'}`,
    { timeout: 300_000 },
    async (t) => {
      // Core NATS: a short TTL, so that records with one half lost come out as unmatched before the run is over.
      const p = await s.pipeline(t, {
        records: RECORDS,
        extraArgs: lossy ? { metric: ['--join-ttl', '5000'] } : {},
      });
      if (!p) return;
      await p.startAll();
      await twoCuts(p);
      const a = await audit(p, { lossy, quietMs: 8_000 });
      // Each service connected once at start and again after each cut (a cut may catch features already done).
      assert.ok(reconnects(p) >= 3 + 2 * 2, `the services reconnected by themselves\n${p.procs.report()}`);
      if (!lossy)
        assert.equal(
          a.deadLettered + a.unmatched,
          0,
          `nothing dead-lettered: ${a.reasons.slice(0, 3).join('; ')}`,
        );
      await recordResult(
        t,
        auditResult('3 broker outage (proxy cut 2×3 s)', s.transport, RECORDS, a, p.seconds()),
      );
    },
  );

  if (s.transport === 'nats')
    it(
      `${RECORDS} records, nats-server killed (-9) and restarted on its store: nothing lost`,
      { timeout: 300_000 },
      async (t) => {
        const p = await s.pipeline(t, { records: RECORDS });
        const server = p?.rig.natsServer;
        if (!p || !server) return;
        await p.startAll();
        await p.rows(RECORDS * 0.3);
        await server.stop(true);
        await sleep(OUTAGE_MS);
        await server.start();
        const a = await audit(p, { brokerCrashed: true });
        assert.equal(
          a.deadLettered + a.unmatched,
          0,
          `nothing dead-lettered: ${a.reasons.slice(0, 3).join('; ')}`,
        );
        const stale = [a.backlog.queued, a.backlog.acknowledged]
          .flatMap((r) => Object.values(r ?? {}))
          .reduce((x, y) => x + y, 0);
        await recordResult(
          t,
          auditResult(
            '3 broker outage (server kill -9, restart)',
            s.transport,
            RECORDS,
            a,
            p.seconds(),
            `${stale} messages left in the streams by the restarted server (acked before the crash)`,
          ),
        );
      },
    );
});
