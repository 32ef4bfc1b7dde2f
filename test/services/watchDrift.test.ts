/**
 * The model watch's drift: `drift` messages of two model replicas merge into one PSI per column, which the alert
 * rules see; messages that do not fit are counted and warned about once, and never stop the metric.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { defaultAlertRules } from '../../src/core/alertRule.js';
import type { DriftBody } from '../../src/core/driftBody.js';
import { populationStabilityIndex, PSI_EPSILON } from '../../src/core/driftWindow.js';
import {
  binIndex,
  buildReferenceProfile,
  PREDICTION_COLUMN,
  type ReferenceProfile,
} from '../../src/core/referenceProfile.js';
import { DRIFT } from '../../src/core/topics.js';
import { until } from '../../harness/poll.js';
import { diabetes, watchRig, type WatchRig } from '../support/watchRig.js';

let rig: WatchRig | undefined;
after(async () => {
  if (rig) await rm(rig.dir, { recursive: true, force: true });
});

/** A replica's drift body over `rows` (feature vectors), binned against the reference. */
function driftOf(
  source: string,
  rows: readonly (readonly number[])[],
  features: readonly string[],
  predict: (x: readonly number[]) => number,
  reference: ReferenceProfile,
): DriftBody {
  const counts: Record<string, number[]> = {};
  const count = (column: string, edges: readonly number[], value: number): void => {
    const bins = (counts[column] ??= new Array<number>(edges.length + 1).fill(0));
    bins[binIndex(edges, value)]!++;
  };
  for (const x of rows) {
    features.forEach((name, j) => count(name, reference.features[name]!.edges, x[j]!));
    count(PREDICTION_COLUMN, reference.prediction.edges, predict(x));
  }
  return { source, window: 1000, n: rows.length, counts };
}

describe('watchModel drift', () => {
  it('merges two replicas into the PSI of their summed counts, alerts on it, and counts bad messages', async () => {
    const { dataset, model } = diabetes();
    const reference = buildReferenceProfile(dataset, model);
    rig = await watchRig({ rules: defaultAlertRules(true), reference });
    const bmi = model.features.indexOf('bmi');
    const shifted = dataset.X.map((x) => x.map((v, j) => (j === bmi ? v + 0.05 : v)));
    const predict = (x: readonly number[]): number => model.predict(x);
    const a = driftOf('model-a', dataset.X, model.features, predict, reference);
    const b = driftOf('model-b', shifted, model.features, predict, reference);
    const wrongBins = { ...a, source: 'model-old', counts: { ...a.counts, bmi: [a.n] } };

    await rig.t.publish(DRIFT, { id: 'd1', body: a });
    await rig.t.publish(DRIFT, { id: 'd2', body: wrongBins });
    await rig.t.publish(DRIFT, { id: 'd3', body: b });
    await rig.t.publishRaw(DRIFT, new TextEncoder().encode('not json'));
    await until(() => rig!.watch.malformedDrift === 2, 'both bad messages counted');
    await until(() => rig!.watch.summary(Date.now()).drift.sources === 2, 'both replicas heard');
    rig.send('r-1', dataset.y[0]!, predict(dataset.X[0]!));
    await until(() => rig!.joined() === 1, 'a record joined');
    const summary = await rig.stop();

    assert.equal(summary.drift.enabled, true);
    assert.equal(summary.drift.sources, 2, 'the malformed body is not a source');
    assert.equal(summary.drift.n, 2 * dataset.X.length);
    const expected = (column: string, fractions: readonly number[]): number => {
      const sum = a.counts[column]!.map((c, i) => c + b.counts[column]![i]!);
      return populationStabilityIndex(
        sum.map((c) => c / summary.drift.n),
        fractions,
        PSI_EPSILON,
      );
    };
    for (const name of model.features)
      assert.equal(
        summary.drift.psi[name],
        expected(name, reference.features[name]!.fractions),
        `psi.${name}`,
      );
    assert.equal(summary.drift.psi.prediction, expected(PREDICTION_COLUMN, reference.prediction.fractions));
    assert.ok(summary.drift.psi.bmi! > 0.2, `half the vectors shifted: psi.bmi ${summary.drift.psi.bmi}`);
    assert.ok(summary.drift.psi.age! < 0.01, 'age as in training');

    assert.deepEqual(
      summary.alerts.map((a) => a.rule),
      ['psi.bmi > 0.2'],
    );
    const lines = (await readFile(rig.alertsFile, 'utf8')).trim().split('\n');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { rule: string; state: string }).rule),
      ['psi.bmi > 0.2'],
    );
    const warned = rig.logs.filter((l) => l.includes('ignoring a malformed message'));
    assert.equal(warned.length, 1, `one warning for both bad messages: ${warned.join(' | ')}`);
    assert.match(warned[0]!, /model-old: 1 bins for bmi/);
    assert.ok(rig.logs.includes('warn drift: 2 malformed messages ignored'), rig.logs.join('\n'));
  });
});
