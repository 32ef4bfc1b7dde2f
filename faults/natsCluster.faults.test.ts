/**
 * Scenario 9: a NATS cluster loses a node. Three nats-servers with routes and JetStream, the pipeline's streams
 * created with three replicas (--replicas 3), features, model and metric as separate processes with --url listing
 * all three nodes. At 30% of the run one node is killed -9, and restarted 3 s later on its store with the same
 * ports. Once with a node that leads none of the queue streams, once with the node that leads them (found through
 * JetStream stream info `cluster.leader`): the others elect new leaders, the services move to a live node, and
 * the log ends with every id exactly once, and nothing is left that a consumer has not acknowledged (nats-server
 * 2.9 may keep acknowledged messages in a work-queue stream whose leader moved: they are reported, see
 * QueueBacklog).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../harness/poll.js';
import { assertNothingDeadLettered, audit, rowCount } from './support/audit.js';
import { openClusterRig, pickNode, type ClusterRig } from './support/clusterRig.js';
import { Pipeline } from './support/pipeline.js';
import { recordAudit } from './support/results.js';

const RECORDS = 20_000;
/** How long the killed node stays down. */
const DOWN_MS = 3_000;
/** Rows past the kill over which the log's longest standstill is measured. */
const WATCHED_ROWS = 5_000;

/**
 * The longest time (s) the log did not grow, sampled every 100 ms until it holds `rows` rows (at most 120 s):
 * leader elections and the services moving to a live node, seen from the log.
 */
async function longestStill(file: string, rows: number): Promise<number> {
  let [last, since, longest] = [-1, performance.now(), 0];
  for (const end = performance.now() + 120_000; performance.now() < end; await sleep(100)) {
    const n = await rowCount(file);
    const now = performance.now();
    if (n !== last) [last, since] = [n, now];
    longest = Math.max(longest, now - since);
    if (n >= rows) break;
  }
  return longest / 1000;
}

describe('a 3-node NATS cluster with R3 streams loses a node mid-run', () => {
  let rig: ClusterRig | undefined;
  before(async () => {
    rig = await openClusterRig();
  });
  after(async () => {
    await rig?.dispose();
  });

  for (const which of ['follower', 'leader'] as const)
    it(
      `${RECORDS} records, the node that leads ${which === 'leader' ? 'the streams' : 'none of them'} killed -9 at ` +
        '30% and restarted: each id once in the log',
      { timeout: 420_000 },
      async (t) => {
        assert.ok(rig, 'the cluster started');
        const p = await Pipeline.create(rig, { records: RECORDS });
        t.after(() => p.dispose());
        await p.startAll();
        await p.rows(RECORDS * 0.3);
        const leaders = await rig.leaders();
        const victim = pickNode(
          leaders,
          rig.cluster.nodes.map((n) => n.name),
          which,
        );
        if (which === 'leader')
          assert.ok(Object.values(leaders).includes(victim), 'the victim leads a stream');
        const node = rig.cluster.node(victim);
        t.diagnostic(`leaders ${JSON.stringify(leaders)}; killing ${victim} at ${p.seconds()} s`);
        const rowsAtKill = await rowCount(p.csvFile);
        await node.server.stop(true);
        const stall = longestStill(p.csvFile, rowsAtKill + WATCHED_ROWS);
        await sleep(DOWN_MS);
        await node.server.start();
        t.diagnostic(`${victim} restarted at ${p.seconds()} s`);
        const stalled = await stall;
        const a = await audit(p);
        assertNothingDeadLettered(a);
        const after = await rig.leaders();
        const stored = Object.values(a.backlog.acknowledged ?? {}).reduce((x, y) => x + y, 0);
        await recordAudit(
          t,
          p,
          `9 kill -9 of a cluster node (${which})`,
          a,
          `killed ${victim} (led ${Object.values(leaders).filter((l) => l === victim).length} of 3 queue streams) ` +
            `at ${rowsAtKill} rows; the log stood still for at most ${stalled.toFixed(1)} s over the next ` +
            `${WATCHED_ROWS} rows; leaders after: ${JSON.stringify(after)}` +
            (stored > 0 ? `; ${stored} acknowledged messages still stored by the streams` : ''),
        );
      },
    );
});
