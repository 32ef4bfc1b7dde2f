/**
 * Scenario 7: readers of the outputs while they are written. A viewer polls error_distribution.png 1,000 times
 * while the plot service re-renders it every 100 ms: every read must be a whole, valid PNG (the plot writes a
 * temporary file and renames it). A `tail -f` of metric_log.csv must never see half a row: every line it
 * completes with a line feed is a valid row, and the bytes it read are exactly the final file (nothing it saw was
 * rewritten or torn).
 *
 * What no appender can promise, and this test measures instead: a read that races an append may end inside the
 * row being written. The kernel copies an append page by page and moves the end of the file after each page, so
 * a row that straddles a 4 KiB page boundary can be seen cut there for an instant. A reader must take only lines
 * that end with a line feed, as `tail -f` and the plot service do.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { audit } from './support/audit.js';
import { pollPng, tailLog } from './support/readers.js';
import { auditResult, recordResult } from './support/results.js';
import { overEachTransport } from './support/scenario.js';

const RECORDS = 20_000;
const POLLS = 1_000;

overEachTransport('readers of the outputs while they are written', ['amqp', 'nats'], (s) => {
  it(
    `${POLLS} reads of the PNG while it is re-rendered, and a tail of the log: never a torn PNG or a half row`,
    { timeout: 300_000 },
    async (t) => {
      const p = await s.pipeline(t, {
        records: RECORDS,
        intervalMs: 1,
        extraArgs: { plot: ['--plot-interval', '100'] },
      });
      if (!p) return;
      await p.startAll(true);
      await p.rows(1);
      let done = false;
      const tail = tailLog(p.csvFile, 2, () => done);
      // A failing test must still end the tail, or its loop would keep the test process alive.
      t.after(async () => {
        done = true;
        await tail.catch(() => undefined);
      });
      await p.procs.waitForOutput('plot', /./, 30_000).catch(() => undefined);
      const png = await pollPng(p.imgFile, POLLS, 10);
      const a = await audit(p);
      done = true;
      const tailed = await tail;

      assert.deepEqual(png.problems, [], 'every read of the PNG is a whole, valid PNG');
      assert.ok(png.distinct >= 3, `the polls overlapped re-renders (${png.distinct} different images seen)`);
      assert.deepEqual(tailed.problems, [], 'every line the tail completed is a valid row');
      assert.equal(
        tailed.text,
        await readFile(p.csvFile, 'utf8'),
        'what the tail read is the final log, byte for byte',
      );
      await recordResult(
        t,
        auditResult(
          '7 readers: PNG polled, log tailed',
          s.transport,
          RECORDS,
          a,
          p.seconds(),
          `${POLLS - png.missing} PNG reads over ${png.distinct} renders, all valid; ${tailed.reads} tail reads, ${tailed.endedMidRow} ended mid-row`,
        ),
      );
    },
  );
});
