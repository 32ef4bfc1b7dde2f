/**
 * DriftMerge: the replicas' windows add up to one PSI per column, stale replicas drop out, and bodies that do not
 * fit the reference are refused with a reason.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DriftBody } from '../../src/core/driftBody.js';
import { DRIFT_SOURCE_TTL_MS, DriftMerge } from '../../src/core/driftMerge.js';
import { populationStabilityIndex, PSI_EPSILON } from '../../src/core/driftWindow.js';
import type { ReferenceProfile } from '../../src/core/referenceProfile.js';

const reference: ReferenceProfile = {
  features: {
    age: { edges: [0, 1], fractions: [0.25, 0.5, 0.25] },
    bmi: { edges: [2], fractions: [0.5, 0.5] },
  },
  prediction: { edges: [100], fractions: [0.4, 0.6] },
  mae: 40,
  rmse: 50,
};

const body = (source: string, age: number[], bmi: number[], prediction: number[]): DriftBody => {
  const n = age.reduce((a, b) => a + b, 0);
  return { source, window: 1000, n, counts: { age, bmi, prediction } };
};

describe('DriftMerge', () => {
  it('gives the PSI of the summed counts of two sources, not a mean of their PSIs', () => {
    const drift = new DriftMerge(reference);
    const a = body('model-a', [100, 200, 100], [300, 100], [150, 250]);
    const b = body('model-b', [10, 50, 340], [50, 350], [390, 10]);
    assert.equal(drift.add(a, 0), undefined);
    assert.equal(drift.add(b, 10), undefined);
    const merged = drift.merged(20);
    assert.equal(merged.n, 800);
    assert.equal(merged.sources, 2);
    const expected = (column: 'age' | 'bmi' | 'prediction', fractions: readonly number[]): number => {
      const sum = a.counts[column]!.map((c, i) => c + b.counts[column]![i]!);
      return populationStabilityIndex(
        sum.map((c) => c / 800),
        fractions,
        PSI_EPSILON,
      );
    };
    assert.equal(merged.psi.age, expected('age', reference.features.age!.fractions));
    assert.equal(merged.psi.bmi, expected('bmi', reference.features.bmi!.fractions));
    assert.equal(merged.psi.prediction, expected('prediction', reference.prediction.fractions));
    const alone = (x: DriftBody): number => {
      const one = new DriftMerge(reference, { minCount: 1 });
      one.add(x, 0);
      return one.merged(0).psi.age ?? NaN;
    };
    assert.ok(Math.abs(merged.psi.age - (alone(a) + alone(b)) / 2) > 0.01, 'not the mean of the PSIs');
    assert.ok((merged.psi.age ?? 0) > 0.2, 'b pulls age far from the reference');
  });

  it('keeps only the latest body of a source, and reports null until the sum holds 500 vectors', () => {
    const drift = new DriftMerge(reference);
    drift.add(body('m', [100, 200, 100], [200, 200], [160, 240]), 0);
    assert.deepEqual(drift.merged(1), {
      n: 400,
      sources: 1,
      psi: { age: null, bmi: null, prediction: null },
    });
    drift.add(body('m', [125, 250, 125], [250, 250], [200, 300]), 2);
    const merged = drift.merged(3);
    assert.equal(merged.n, 500, 'the newer body replaces the older, it does not add to it');
    assert.ok(
      Math.abs(merged.psi.age!) < 1e-12 && Math.abs(merged.psi.prediction!) < 1e-12,
      'as the reference',
    );
  });

  it('drops a source not heard from for 60 s', () => {
    const drift = new DriftMerge(reference);
    drift.add(body('old', [300, 300, 300], [450, 450], [360, 540]), 0);
    drift.add(body('new', [300, 300, 300], [450, 450], [360, 540]), 30_000);
    assert.equal(drift.merged(DRIFT_SOURCE_TTL_MS).sources, 2, 'exactly 60 s: still heard');
    const later = drift.merged(DRIFT_SOURCE_TTL_MS + 1);
    assert.equal(later.sources, 1);
    assert.equal(later.n, 900);
    assert.equal(drift.merged(DRIFT_SOURCE_TTL_MS + 30_001).sources, 0);
  });

  it('merges again only when a body arrives or a source goes stale', () => {
    const drift = new DriftMerge(reference, { minCount: 1 });
    drift.add(body('m', [100, 200, 100], [200, 200], [160, 240]), 0);
    const first = drift.merged(1);
    assert.equal(drift.merged(2), first, 'nothing changed: the same merge');
    drift.add(body('m', [0, 0, 400], [0, 400], [0, 400]), 3);
    const second = drift.merged(4);
    assert.notEqual(second, first);
    assert.ok((second.psi.age ?? 0) > (first.psi.age ?? 0), 'the new body counts');
    assert.equal(drift.merged(3 + DRIFT_SOURCE_TTL_MS + 1).sources, 0, 'stale without any new body');
  });

  it('refuses bodies whose columns or bins do not match the reference, and keeps none of them', () => {
    const drift = new DriftMerge(reference);
    const wrongBins = body('x', [500, 500, 0], [500, 500], [500, 500]);
    const cases: [DriftBody, RegExp][] = [
      [{ ...wrongBins, counts: { ...wrongBins.counts, bmi: [300, 300, 400] } }, /3 bins for bmi.*has 2/],
      [{ ...wrongBins, counts: { age: [1000, 0, 0], bmi: [500, 500] } }, /no counts for column prediction/],
      [{ ...wrongBins, counts: { ...wrongBins.counts, s7: [1000] } }, /columns not in the reference: s7/],
    ];
    for (const [bad, reason] of cases) assert.match(drift.add(bad, 0) ?? '', reason);
    assert.match(drift.add(cases[0]![0], 0) ?? '', /^drift from x: /, 'names the source');
    assert.equal(drift.merged(0).sources, 0);
  });
});
