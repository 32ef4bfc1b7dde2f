/**
 * Scenario 8: a join partner that never comes. 100,000 y_true and the y_pred of only 90% of them go to a metric
 * process with a 2 s join TTL. The join buffer must stay within its cap (2 × prefetch), each of the 10,000 records
 * without a prediction must come out as unmatched, with its reason, once its TTL is over, every other record must
 * be logged once, and the process's memory must stay flat.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Subscription } from 'rxjs';
import type { StatusBody } from '../src/core/statusBody.js';
import { STATUS, Y_PRED, Y_TRUE, type Topic } from '../src/core/topics.js';
import { cliCommand } from '../harness/cli.js';
import { until } from '../harness/poll.js';
import { readLedger } from './support/ledger.js';
import { liveHeapAfterFullGcs, sampleRss } from '../harness/procMemory.js';
import { recordResult } from './support/results.js';
import { overEachTransport } from './support/scenario.js';

const RECORDS = 100_000;
const TTL_MS = 2_000;
const PREFETCH = 2_000;
const CAP = 2 * PREFETCH;
/** Records published per call to the broker's client. */
const SLICE = 5_000;
const withheld = (i: number): boolean => i % 10 === 0;

overEachTransport('a join partner that never comes', ['amqp', 'nats'], (s) => {
  it(
    `${RECORDS} y_true, 10% of the y_pred withheld: buffer within its cap, the rest unmatched after the TTL, memory flat`,
    { timeout: 400_000 },
    async (t) => {
      const p = await s.pipeline(t, {
        records: RECORDS,
        // --trace-gc: the live heap after each full collection, the measure of the memory check.
        metricLauncher: (argv) => {
          const { command, argv: args } = cliCommand(argv);
          return { executable: command, args: ['--trace-gc', ...args] };
        },
        extraArgs: { metric: ['--join-ttl', String(TTL_MS), '--prefetch', String(PREFETCH)] },
      });
      if (!p) return;
      const client = await p.rig.client();
      let maxPending = 0;
      const status: Subscription = client.consume(STATUS).subscribe((d) => {
        const body = (JSON.parse(new TextDecoder().decode(d.data)) as { body: StatusBody }).body;
        if (body.service === 'metric') maxPending = Math.max(maxPending, body.counters.pending);
        d.ack();
      });
      t.after(() => status.unsubscribe());
      p.start('metric');
      await p.connected('metric');
      const rss = sampleRss(p.procs.run('metric').pid, 250);
      t.after(() => rss.stop());

      const id = (i: number): string => `${p.runId}-${i}`;
      const text = new TextEncoder();
      const message = (topic: Topic, i: number, value: number): { topic: Topic; bytes: Uint8Array } => ({
        topic,
        bytes: text.encode(`{"id":"${id(i)}","body":${value}}`),
      });
      // Each prediction right after its truth, in slices, so pairs arrive close together as in a live pipeline.
      for (let from = 0; from < RECORDS; from += SLICE) {
        const slice: { topic: Topic; bytes: Uint8Array }[] = [];
        for (let i = from; i < Math.min(RECORDS, from + SLICE); i++) {
          slice.push(message(Y_TRUE, i, i % 300));
          if (!withheld(i)) slice.push(message(Y_PRED, i, (i % 300) + 0.5));
        }
        await p.rig.inject(slice);
      }

      const joined = Array.from({ length: RECORDS }, (_, i) => i).filter((i) => !withheld(i));
      await p.rows(joined.length, 300_000);
      await until(
        async () =>
          (await p.rig.backlog()).deadLetters?.y_true === RECORDS - joined.length ? true : undefined,
        'the unmatched records to be dead-lettered',
        { timeoutMs: 60_000, intervalMs: 500, watch: p.procs },
      );
      const samples = rss.stop();
      const exits = await p.stopAll();
      assert.deepEqual(exits.metric, { code: 0, signal: null }, p.procs.report());

      const ledger = await readLedger(p.csvFile, joined.map(id));
      assert.deepEqual(
        [ledger.lost, ledger.duplicated, ledger.foreign, ledger.invalid],
        [0, 0, 0, 0],
        JSON.stringify(ledger),
      );
      const reasons = await p.rig.deadLetterReasons(Y_TRUE);
      const unmatchedIds = reasons.map(
        (r) => /^unmatched: no y_pred for id (\S+) within 2000 ms$/.exec(r)?.[1],
      );
      assert.deepEqual(
        new Set(unmatchedIds),
        new Set(
          Array.from({ length: RECORDS }, (_, i) => i)
            .filter(withheld)
            .map(id),
        ),
        'exactly the records whose prediction was withheld are unmatched, each once, with the TTL as reason',
      );
      assert.equal(reasons.length, RECORDS - joined.length);
      assert.deepEqual(await p.rig.deadLetterReasons(Y_PRED), [], 'no prediction was left without its truth');
      assert.ok(
        maxPending > 0 && maxPending <= CAP,
        `the join buffer stayed within ${CAP} (max seen ${maxPending})`,
      );

      // Flat: the live heap after full collections (not the RSS, which also holds V8's room to grow) does not keep
      // growing with the records. It may grow by what is bounded by design: the ids of joined records are remembered
      // (at most 200,000 keys) to recognise redeliveries.
      const heap = liveHeapAfterFullGcs(p.procs.run('metric').stdout);
      const half = Math.ceil(heap.length / 2);
      const early = Math.max(...heap.slice(0, half));
      const late = Math.max(...heap.slice(half));
      const tenths = Array.from({ length: 10 }, (_, k) =>
        samples[Math.floor((k * samples.length) / 10)]?.toFixed(0),
      );
      t.diagnostic(`metric RSS (MiB) by tenths of the run: ${tenths.join(' ')}`);
      t.diagnostic(`metric live heap after each full GC (MiB): ${heap.map((x) => x.toFixed(0)).join(' ')}`);
      assert.ok(heap.length >= 2, `full collections happened (${heap.length})`);
      assert.ok(
        late <= early + 8,
        `memory stays flat: live heap ${early} MiB in the first half, ${late} MiB in the second`,
      );

      await recordResult(t, {
        scenario: '8 partner never comes (10% y_pred withheld)',
        transport: s.transport,
        sent: RECORDS,
        written: ledger.rows,
        lost: ledger.lost,
        duplicated: ledger.duplicated,
        deadLettered: 0,
        unmatched: reasons.length,
        seconds: p.seconds(),
        note: `join buffer max ${maxPending} (cap ${CAP}); live heap ${early.toFixed(0)} → ${late.toFixed(0)} MiB, RSS peak ${Math.max(...samples).toFixed(0)} MiB`,
      });
    },
  );
});
