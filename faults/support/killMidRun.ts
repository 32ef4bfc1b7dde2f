/**
 * The step shared by the kill -9 scenarios: once a share of the run's rows is in the log, kill a service and
 * start it again with the same command line.
 */
import type { TestContext } from 'node:test';
import type { Pipeline, PipelineService } from './pipeline.js';
import type { PipelineRig } from './rig.js';

/**
 * Waits until `share` of the run's records are rows in the log, kills `name` (-9) and restarts it. A
 * restarted consumer (model, metric) is waited for until it has reconnected; features is not: the audit waits
 * for it to finish its run and checks how it exited.
 */
export async function killMidRun(
  t: TestContext,
  p: Pipeline<PipelineRig>,
  name: PipelineService,
  share: number,
): Promise<void> {
  await p.rows(p.options.records * share);
  t.diagnostic(`killing ${name} at ${p.seconds()} s`);
  await p.killAndRestart(name);
  if (name === 'model' || name === 'metric') await p.connected(name);
}
