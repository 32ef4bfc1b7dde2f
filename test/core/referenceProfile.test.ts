import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDataset } from '../../src/core/dataset.js';
import { parseLinearModel } from '../../src/core/linearModel.js';
import {
  binIndex,
  binProfile,
  buildReferenceProfile,
  MAX_REFERENCE_EDGES,
  parseReferenceProfile,
  quantileEdges,
  ReferenceProfileError,
} from '../../src/core/referenceProfile.js';
import { seededRandom } from '../../src/core/random.js';

const diabetes = () => parseDataset(readFileSync('data/diabetes.csv', 'utf8'), 'target', 'data/diabetes.csv');
const diabetesModel = () =>
  parseLinearModel(
    JSON.parse(readFileSync('models/diabetes-linear.json', 'utf8')),
    'models/diabetes-linear.json',
  );

describe('binIndex', () => {
  it('counts the edges at or below x: a value on an edge goes to the bin above', () => {
    const edges = [1, 2, 3];
    assert.equal(binIndex(edges, 0.5), 0);
    assert.equal(binIndex(edges, 1), 1, '1 opens [1, 2)');
    assert.equal(binIndex(edges, 1.5), 1);
    assert.equal(binIndex(edges, 2), 2);
    assert.equal(binIndex(edges, 3), 3, 'the last edge opens the top bin');
  });

  it('puts values outside the range in the open-ended outer bins', () => {
    assert.equal(binIndex([1, 2, 3], -1e300), 0);
    assert.equal(binIndex([1, 2, 3], -Infinity), 0);
    assert.equal(binIndex([1, 2, 3], 1e300), 3);
    assert.equal(binIndex([1, 2, 3], Infinity), 3);
  });

  it('has one bin without edges', () => {
    assert.equal(binIndex([], -5), 0);
    assert.equal(binIndex([], 5), 0);
  });

  it('agrees with a linear scan, on and between edges', () => {
    const r = seededRandom(7);
    for (let trial = 0; trial < 200; trial++) {
      const edges = [
        ...new Set(Array.from({ length: Math.floor(r() * 20) }, () => Math.round(r() * 40) / 4)),
      ];
      edges.sort((a, b) => a - b);
      for (const x of [...edges, ...Array.from({ length: 10 }, () => r() * 12 - 1)])
        assert.equal(
          binIndex(Float64Array.from(edges), x),
          edges.filter((e) => e <= x).length,
          `${x} in ${edges.join(', ')}`,
        );
    }
  });
});

describe('quantileEdges and binProfile', () => {
  it('puts distinct values in equal bins', () => {
    assert.deepEqual(quantileEdges([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]), [2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(binProfile([1, 2, 3, 4], 4), { edges: [2, 3, 4], fractions: [0.25, 0.25, 0.25, 0.25] });
  });

  it('collapses repeated edges and drops one at the minimum, so no bin is empty', () => {
    // Sorted indices ⌊j·10/10⌋ = 1..9 hold 0 ×5 (the minimum: nothing lies below) and 1 ×4 (one edge).
    assert.deepEqual(binProfile([1, 0, 1, 0, 1, 0, 1, 0, 1, 0]), { edges: [1], fractions: [0.5, 0.5] });
    assert.deepEqual(binProfile([3, 3, 3]), { edges: [], fractions: [1] }, 'a constant column has one bin');
    assert.deepEqual(binProfile([0, 0, 0, 0, 0, 0, 0, 0, 0, 7]), { edges: [7], fractions: [0.9, 0.1] });
  });

  it('makes fewer bins from fewer values than bins', () => {
    assert.deepEqual(binProfile([2, 1, 3]), { edges: [2, 3], fractions: [1 / 3, 1 / 3, 1 / 3] });
  });

  it('refuses an empty column, a non-finite value and a bad bin count', () => {
    assert.throws(() => quantileEdges([]), /empty/);
    assert.throws(() => quantileEdges([1, NaN]), /non-finite/);
    assert.throws(() => quantileEdges([1, 2], 0), /bins must be/);
    assert.throws(() => quantileEdges([1, 2], MAX_REFERENCE_EDGES + 2), /bins must be/);
  });
});

describe('buildReferenceProfile', () => {
  it('profiles the diabetes model: deciles, fewer bins for sex, in-sample errors', () => {
    const model = diabetesModel();
    const profile = buildReferenceProfile(diabetes(), model);
    assert.deepEqual(Object.keys(profile.features), model.features);
    assert.equal(profile.features.bmi?.edges.length, 9);
    assert.equal(profile.features.sex?.edges.length, 1, 'two values, one edge');
    for (const bins of [...Object.values(profile.features), profile.prediction]) {
      assert.equal(bins.fractions.length, bins.edges.length + 1);
      bins.edges.forEach((e, i) => i === 0 || assert.ok(e > bins.edges[i - 1]!));
      assert.ok(
        bins.fractions.every((f) => f > 0),
        'no empty bin',
      );
      assert.ok(Math.abs(bins.fractions.reduce((s, f) => s + f, 0) - 1) < 1e-12);
    }
    assert.equal(profile.prediction.edges.length, 9);
    assert.ok(Math.abs(profile.mae - model.file.training!.mae) < 1e-9, `mae ${profile.mae}`);
    assert.ok(Math.abs(profile.rmse - model.file.training!.rmse) < 1e-9, `rmse ${profile.rmse}`);
    assert.deepEqual(parseReferenceProfile(JSON.parse(JSON.stringify(profile))), profile, 'JSON round trip');
  });

  it('finds the model features by name in the data', () => {
    const data = {
      featureNames: ['b', 'a'],
      X: [
        [10, 1],
        [20, 2],
        [30, 3],
        [40, 4],
      ],
      y: [1, 2, 3, 4],
    };
    const model = { features: ['a', 'b'], predict: (x: readonly number[]) => x[0]! };
    const profile = buildReferenceProfile(data, model);
    assert.deepEqual(profile.features.a, binProfile([1, 2, 3, 4]));
    assert.deepEqual(profile.features.b, binProfile([10, 20, 30, 40]));
    assert.equal(profile.mae, 0);
    assert.throws(() => buildReferenceProfile(data, { ...model, features: ['a', 'c'] }), /no column "c"/);
    assert.throws(
      () => buildReferenceProfile(data, { ...model, features: ['prediction'] }),
      /may not be named/,
    );
  });
});

describe('parseReferenceProfile', () => {
  interface Bins {
    edges: number[];
    fractions: number[];
  }
  const good = (): { features: { bmi: Bins; 's 1': Bins }; prediction: Bins; mae: number; rmse: number } => ({
    features: { bmi: { edges: [0, 1], fractions: [0.25, 0.5, 0.25] }, 's 1': { edges: [], fractions: [1] } },
    prediction: { edges: [100], fractions: [0.5, 0.5] },
    mae: 40,
    rmse: 50,
  });
  /** `good()` with one change: `patch` edits the document in place. */
  const variant = (patch: (doc: ReturnType<typeof good> & Record<string, unknown>) => void): unknown => {
    const doc = good();
    patch(doc);
    return doc;
  };
  const refuses = (doc: unknown, pattern: RegExp): void =>
    assert.throws(
      () => parseReferenceProfile(doc, 'm.json'),
      (e: unknown) =>
        e instanceof ReferenceProfileError && e.message.startsWith('m.json: ') && pattern.test(e.message),
    );

  it('returns a frozen copy of a good profile', () => {
    const profile = parseReferenceProfile(good());
    assert.deepEqual(profile, good());
    assert.ok(
      Object.isFrozen(profile) &&
        Object.isFrozen(profile.features) &&
        Object.isFrozen(profile.prediction.edges),
    );
  });

  it('accepts fractions rounded by hand, to 1e-6', () => {
    const doc = variant((d) => (d.prediction.fractions = [0.3333333, 0.6666667]));
    assert.doesNotThrow(() => parseReferenceProfile(doc));
  });

  it('names the bad field', () => {
    refuses(null, /"reference" must be an object, got null/);
    refuses([], /"reference" must be an object, got an array/);
    refuses(
      variant((d) => (d.extra = 1)),
      /unknown field "reference.extra"/,
    );
    refuses(
      variant((d) => ((d as Record<string, unknown>).features = {})),
      /"reference.features" must be an object/,
    );
    refuses(
      variant((d) => Object.assign(d.features, { prediction: good().prediction })),
      /no feature may be named/,
    );
    refuses(
      variant((d) => ((d.features as Record<string, unknown>).bmi = 3)),
      /"reference.features.bmi" must be/,
    );
    refuses(
      variant((d) => (d.features.bmi.edges = [1, 0])),
      /"reference.features.bmi.edges"\[1\] is 0, not above/,
    );
    refuses(
      variant((d) => (d.features.bmi.edges = [0, 0])),
      /edges"\[1\] is 0, not above/,
    );
    refuses(
      variant((d) => ((d.features.bmi.edges as unknown[]) = [0, '1'])),
      /edges"\[1\] must be a finite number/,
    );
    refuses(
      variant((d) => (d.features.bmi.fractions = [0.5, 0.5])),
      /"reference.features.bmi.fractions" has 2 values/,
    );
    refuses(
      variant((d) => (d.features.bmi.fractions = [0.5, 0.5, 0.5])),
      /fractions" sum to 1.5, not 1/,
    );
    refuses(
      variant((d) => (d.features.bmi.fractions = [-0.25, 1, 0.25])),
      /fractions"\[0\] must be a number from 0/,
    );
    refuses(
      variant((d) => (d.features['s 1'].edges = [NaN])),
      /"reference.features\["s 1"\].edges"\[0\] must be/,
    );
    refuses(
      variant((d) => Object.assign(d.prediction, { width: 2 })),
      /unknown field "reference.prediction.width"/,
    );
    refuses(
      variant((d) => ((d as Record<string, unknown>).prediction = undefined)),
      /"reference.prediction" must/,
    );
    refuses(
      variant((d) => (d.mae = -1)),
      /"reference.mae" must be a finite number ≥ 0, got number -1/,
    );
    refuses(
      variant((d) => ((d as Record<string, unknown>).rmse = '50')),
      /"reference.rmse" must be .* got "50"/,
    );
    const edges = Array.from({ length: MAX_REFERENCE_EDGES + 1 }, (_, i) => i);
    refuses(
      variant((d) => (d.features.bmi.edges = edges)),
      /has 256 edges; at most 255/,
    );
  });
});
