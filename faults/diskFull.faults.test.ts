/**
 * Scenario 5: the disk fills mid-run. The metric process runs under a file-size limit (RLIMIT_FSIZE, set with
 * prlimit), so its appends fail with EFBIG exactly as they would on a full disk, while the test keeps the power
 * to lift the limit. (A folder made read-only does not stop a process that holds the log open, and root ignores
 * permissions anyway; the size limit works for any user.)
 *
 * The promise: a clear error, no ack for a row not written, and recovery once there is room again. Two outages:
 * the first is lifted under the running process (it must carry on by itself); during the second the process is
 * killed -9 and restarted without the limit, which proves that nothing it could not write had been acked.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { cliCommand } from '../harness/cli.js';
import { sleep, until } from '../harness/poll.js';
import { assertNothingDeadLettered, audit, rowCount } from './support/audit.js';
import { recordAudit } from './support/results.js';
import { overEachTransport } from './support/scenario.js';

const RECORDS = 20_000;
/** About a quarter of the run's log. */
const FIRST_LIMIT = 400_000;
const FULL = /writing \S*metric_log\.csv failed.*(EFBIG|file too large)/g;
/** Sets the soft limit only: the hard one stays unlimited, so any user may raise it again. */
const prlimit = (pid: number, fsize: number | 'unlimited'): Promise<unknown> =>
  promisify(execFile)('prlimit', ['--pid', String(pid), `--fsize=${fsize}:unlimited`]);

overEachTransport('the disk fills mid-run', ['amqp', 'nats'], (s) => {
  it(
    `${RECORDS} records, the log's disk full twice: a clear error, nothing acked unwritten, recovery`,
    { timeout: 300_000 },
    async (t) => {
      let limit: number | undefined = FIRST_LIMIT;
      const p = await s.pipeline(t, {
        records: RECORDS,
        intervalMs: 1,
        metricLauncher: (argv) => {
          const { command, argv: args } = cliCommand(argv);
          return limit === undefined
            ? { executable: command, args }
            : { executable: 'prlimit', args: [`--fsize=${limit}:unlimited`, command, ...args] };
        },
      });
      if (!p) return;
      await p.startAll();
      const metric = (): string => p.procs.run('metric').stderr;

      // Outage 1: the log stops growing, the error is said plainly, and rows resume by themselves once lifted.
      await p.procs.waitForOutput('metric', FULL, 120_000, 'stderr');
      const stuck = await rowCount(p.csvFile);
      await sleep(2_000);
      assert.equal(await rowCount(p.csvFile), stuck, 'no row is written while the disk is full');
      assert.ok((await stat(p.csvFile)).size <= FIRST_LIMIT, 'no half row was left behind');
      await prlimit(p.procs.run('metric').pid, 'unlimited');
      await p.rows(stuck + 1_000);
      assert.match(metric(), /metric: working again after \d+ retr/, 'the recovery is said too');

      // Outage 2: full again at the current size; killed while full, restarted with room.
      const errorsSoFar = metric().match(FULL)?.length ?? 0;
      await prlimit(p.procs.run('metric').pid, (await stat(p.csvFile)).size);
      await until(
        () => ((metric().match(FULL)?.length ?? 0) > errorsSoFar ? true : undefined),
        'the second disk-full error',
        { timeoutMs: 60_000, intervalMs: 100, watch: p.procs },
      );
      limit = undefined;
      await p.killAndRestart('metric');

      const a = await audit(p);
      assertNothingDeadLettered(a);
      await recordAudit(t, p, '5 disk full (EFBIG) twice', a, `stalled at ${stuck} rows, then recovered`);
    },
  );
});
