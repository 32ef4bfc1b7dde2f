/**
 * Scenario 10: a RabbitMQ cluster loses a node. Three rabbitmq-server nodes of the test's own, the pipeline's
 * queues declared as quorum queues (--queue-type quorum), features, model and metric as separate processes with
 * --url listing all three nodes. At 30% of the run one node is stopped, and started again 3 s later on its store
 * with the same ports: the services connected to it move to the next node of their list, the quorum queues keep
 * their majority, and the log ends with every id exactly once. Also measures how long the cluster takes to start.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../harness/poll.js';
import { RABBITMQ_SERVER_BIN } from '../harness/rabbitCluster.js';
import { assertNothingDeadLettered, audit, rowCount } from './support/audit.js';
import { Pipeline } from './support/pipeline.js';
import { openRabbitClusterRig, type RabbitClusterRig } from './support/rabbitClusterRig.js';
import { recordAudit } from './support/results.js';

const RECORDS = 20_000;
/** How long the stopped node stays down. */
const DOWN_MS = 3_000;

const skip = existsSync(RABBITMQ_SERVER_BIN) ? false : `${RABBITMQ_SERVER_BIN} is not installed`;

describe('a 3-node RabbitMQ cluster with quorum queues loses a node mid-run', { skip }, () => {
  let rig: RabbitClusterRig | undefined;
  before(async () => {
    rig = await openRabbitClusterRig();
  });
  after(async () => {
    await rig?.dispose();
  });

  it(
    `${RECORDS} records, one node stopped at 30% and started again: each id once in the log`,
    { timeout: 600_000 },
    async (t) => {
      assert.ok(rig, 'the cluster started');
      t.diagnostic(`the 3-node cluster started in ${rig.startSeconds.toFixed(1)} s`);
      const p = await Pipeline.create(rig, { records: RECORDS });
      t.after(() => p.dispose());
      await p.startAll();
      await p.rows(RECORDS * 0.3);
      // The first node: every service starts there, so stopping it moves them all.
      const victim = rig.cluster.nodes[0];
      assert.ok(victim);
      const rowsAtStop = await rowCount(p.csvFile);
      t.diagnostic(`stopping ${victim.name} at ${p.seconds()} s, ${rowsAtStop} rows`);
      await rig.cluster.stopNode(victim);
      await sleep(DOWN_MS);
      await rig.cluster.startNode(victim);
      const rowsAtRestart = await rowCount(p.csvFile);
      t.diagnostic(`${victim.name} running again at ${p.seconds()} s, ${rowsAtRestart} rows`);
      const a = await audit(p);
      assertNothingDeadLettered(a);
      await recordAudit(
        t,
        p,
        '10 a RabbitMQ cluster node stopped and restarted',
        a,
        `cluster start ${rig.startSeconds.toFixed(1)} s; node stopped at ${rowsAtStop} rows, back at ` +
          `${rowsAtRestart} rows`,
      );
    },
  );
});
