import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDataset } from '../../src/core/dataset.js';
import { parseLinearModel } from '../../src/core/linearModel.js';
import {
  binIndex,
  binProfile,
  buildReferenceProfile,
  type ReferenceProfile,
} from '../../src/core/referenceProfile.js';
import {
  DEFAULT_DRIFT_WINDOW,
  DEFAULT_MIN_DRIFT_COUNT,
  DriftWindow,
  populationStabilityIndex,
  PSI_EPSILON,
} from '../../src/core/driftWindow.js';
import { seededRandom } from '../../src/core/random.js';

const close = (actual: number | null | undefined, expected: number, what = ''): void =>
  assert.ok(
    typeof actual === 'number' && Math.abs(actual - expected) < 1e-12,
    `${what} ${String(actual)} vs ${expected}`,
  );

/** One feature `a` in three bins (-∞, 1) [1, 2) [2, ∞) holding 25 %, 25 %, 50 %; predictions split at 0. */
const tiny: ReferenceProfile = {
  features: { a: { edges: [1, 2], fractions: [0.25, 0.25, 0.5] } },
  prediction: { edges: [0], fractions: [0.5, 0.5] },
  mae: 1,
  rmse: 1,
};

describe('populationStabilityIndex', () => {
  it('matches the hand-computed sum', () => {
    // (0.5 − 0.25)·ln(0.5/0.25) + (0.25 − 0.25)·ln 1 + (0.25 − 0.5)·ln(0.25/0.5)
    //   = 0.25·ln 2 + 0 + 0.25·ln 2 = 0.5·ln 2 ≈ 0.34657
    close(populationStabilityIndex([0.5, 0.25, 0.25], [0.25, 0.25, 0.5]), 0.5 * Math.log(2));
    close(populationStabilityIndex([0.25, 0.25, 0.5], [0.25, 0.25, 0.5]), 0, 'no change');
  });

  it('floors an empty bin at ε = 1e-4 on both sides', () => {
    assert.equal(PSI_EPSILON, 1e-4);
    // Bin 1 is empty in the window: a = max(0, 1e-4) = 1e-4.
    //   0.25·ln 2 + (1e-4 − 0.25)·ln(1e-4 / 0.25) + 0 = 0.17329 + 0.2499·ln 2500 = 0.17329 + 1.95531 ≈ 2.1286
    close(
      populationStabilityIndex([0.5, 0, 0.5], [0.25, 0.25, 0.5]),
      0.25 * Math.log(2) + 0.2499 * Math.log(2500),
    );
    // Empty in both: (1e-4 − 1e-4)·ln 1 = 0.
    close(populationStabilityIndex([0, 1], [0, 1]), 0);
    assert.throws(() => populationStabilityIndex([1], [0.5, 0.5]), RangeError);
  });
});

describe('DriftWindow', () => {
  it('counts vectors per reference bin and gives the hand-computed PSI', () => {
    const w = new DriftWindow(tiny, ['a'], { size: 4, minCount: 4 });
    // a: 0, 0.5 → bin 0; 1 → bin 1 (an edge goes up); 5 → bin 2: shares 0.5, 0.25, 0.25, as above.
    // Predictions -1, -1, 0, 3: shares 0.5, 0.5, as the reference, so PSI 0.
    [0, 0.5, 1, 5].forEach((a, i) => w.add([a], [-1, -1, 0, 3][i]!));
    assert.deepEqual(w.binCounts('a'), [2, 1, 1]);
    assert.deepEqual(w.binCounts('prediction'), [2, 2]);
    const psi = w.psi();
    close(psi.a, 0.5 * Math.log(2), 'a');
    close(psi.prediction, 0, 'prediction');
    assert.deepEqual(Object.keys(psi), ['a', 'prediction']);
  });

  it('reports null until minCount vectors, then a number', () => {
    const w = new DriftWindow(tiny, ['a'], { size: 10, minCount: 3 });
    w.add([0], 0);
    w.add([1], 0);
    assert.deepEqual(w.psi(), { a: null, prediction: null });
    w.add([2], 0);
    assert.equal(typeof w.psi().a, 'number');
    assert.equal(new DriftWindow(tiny, ['a']).minCount, DEFAULT_MIN_DRIFT_COUNT);
    assert.equal(new DriftWindow(tiny, ['a']).size, DEFAULT_DRIFT_WINDOW);
    assert.equal(new DriftWindow(tiny, ['a'], { size: 50 }).minCount, 50, 'never more than the window');
  });

  it('forgets the oldest vector once full, across many wraps of the ring', () => {
    const w = new DriftWindow(tiny, ['a'], { size: 3, minCount: 3 });
    const r = seededRandom(5);
    const seen: number[] = [];
    for (let i = 0; i < 100; i++) {
      const a = Math.floor(r() * 4) * 0.75; // 0, 0.75 | 1.5 | 2.25: on no edge
      seen.push(a);
      w.add([a], a - 1);
      const last = seen.slice(-3);
      assert.equal(w.count, last.length);
      const counts = [0, 0, 0];
      for (const v of last) counts[v < 1 ? 0 : v < 2 ? 1 : 2]!++;
      assert.deepEqual(w.binCounts('a'), counts, `after ${i + 1}`);
      if (last.length === 3) {
        const expected = populationStabilityIndex(
          counts.map((c) => c / 3),
          [0.25, 0.25, 0.5],
        );
        close(w.psi().a, expected, `psi after ${i + 1}`);
      }
    }
    w.reset();
    assert.equal(w.count, 0);
    assert.deepEqual(w.binCounts('a'), [0, 0, 0]);
  });

  it('refuses a bad vector without counting any of it', () => {
    const w = new DriftWindow(tiny, ['a'], { size: 3, minCount: 1 });
    w.add([0], 0);
    assert.throws(() => w.add([0, 1], 0), /expected 1 features, got 2/);
    assert.throws(() => w.add([NaN], 0), /feature a is NaN/);
    assert.throws(() => w.add([1], Infinity), /prediction is Infinity/);
    assert.equal(w.count, 1);
    assert.deepEqual(w.binCounts('prediction'), [0, 1]);
  });

  it('refuses a profile that does not fit the model, and bad options', () => {
    assert.throws(() => new DriftWindow(tiny, ['a', 'b']), /no profile of feature "b"/);
    assert.throws(() => new DriftWindow(tiny, []), /features the model does not have: a/);
    assert.throws(() => new DriftWindow(tiny, ['a'], { size: 0 }), /size must be/);
    assert.throws(() => new DriftWindow(tiny, ['a'], { size: 5, minCount: 6 }), /minCount must be/);
    assert.throws(() => new DriftWindow(tiny, ['a'], { epsilon: 0 }), /epsilon must be/);
    assert.throws(() => new DriftWindow(tiny, ['a']).binCounts('b'), /no column "b"/);
  });
});

describe('DriftWindow on the diabetes model', () => {
  const ds = parseDataset(readFileSync('data/diabetes.csv', 'utf8'), 'target', 'data/diabetes.csv');
  const model = parseLinearModel(JSON.parse(readFileSync('models/diabetes-linear.json', 'utf8')), 'model');
  const reference = buildReferenceProfile(ds, model);
  const predictions = ds.X.map((x) => model.predict(x));
  const bmi = model.features.indexOf('bmi');

  it('counts in batches exactly as vector by vector, whatever the window and however seldom it is read', () => {
    // `add` stages vectors and bins them in batches: windows smaller and larger than a batch, wraps inside a
    // batch, reads at random moments, values exactly on edges; deciles (nine edges, `sex` one, padded) and
    // quintiles (four edges: the general path).
    const quintiles: ReferenceProfile = {
      ...reference,
      features: Object.fromEntries(
        model.features.map((name, c) => [
          name,
          binProfile(
            ds.X.map((x) => x[c]!),
            5,
          ),
        ]),
      ),
      prediction: binProfile(predictions, 5),
    };
    const columns = [...model.features, 'prediction'];
    for (const [profile, size] of [1, 7, 64, 100, 1000].flatMap((n) => [
      [reference, n] as const,
      [quintiles, n] as const,
    ])) {
      const edgesOf = (c: number): readonly number[] =>
        c < model.features.length ? profile.features[model.features[c]!]!.edges : profile.prediction.edges;
      const r = seededRandom(size);
      const w = new DriftWindow(profile, model.features, { size, minCount: 1 });
      const last: number[][] = [];
      let nextRead = 1;
      for (let i = 0; i < 3000; i++) {
        const row = Math.floor(r() * ds.X.length);
        // One vector in ten sits exactly on one of its columns' edges.
        const x = [...ds.X[row]!];
        if (r() < 0.1) {
          const c = Math.floor(r() * x.length);
          const edges = edgesOf(c);
          x[c] = edges[Math.floor(r() * edges.length)]!;
        }
        const p = predictions[row]!;
        w.add(x, p);
        last.push([...x, p]);
        if (last.length > size) last.shift();
        if (i + 1 < nextRead) continue;
        nextRead = i + 1 + 1 + Math.floor(r() * 300);
        assert.equal(w.count, last.length);
        for (const [c, name] of columns.entries()) {
          const edges = edgesOf(c);
          const counts = new Array<number>(edges.length + 1).fill(0);
          for (const v of last) counts[binIndex(edges, v[c]!)]!++;
          assert.deepEqual(w.binCounts(name), counts, `window ${size}, ${name}, after ${i + 1}`);
        }
      }
    }
  });

  it('raises no false alarm: 100,000 rows drawn from the training data keep every PSI far below 0.2', (t) => {
    const w = new DriftWindow(reference, model.features);
    const r = seededRandom(2024);
    const max = new Array<number>(w.columns.length).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const row = Math.floor(r() * ds.X.length);
      w.add(ds.X[row]!, predictions[row]!);
      for (let c = 0; c < w.columns.length; c++) max[c] = Math.max(max[c]!, w.psiOf(c) ?? 0);
    }
    t.diagnostic(
      `max PSI over all windows: ${w.columns.map((c, i) => `${c} ${max[i]!.toFixed(4)}`).join(', ')}`,
    );
    max.forEach((m, c) => assert.ok(m < 0.1, `${w.columns[c]}: ${m}`));
  });

  it('sees bmi shifted by +0.05 (about one standard deviation), and the predictions with it', (t) => {
    const w = new DriftWindow(reference, model.features);
    const r = seededRandom(7);
    const draw = (): number[] => ds.X[Math.floor(r() * ds.X.length)]!;
    for (let i = 0; i < DEFAULT_DRIFT_WINDOW; i++) {
      const x = draw();
      w.add(x, model.predict(x));
    }
    let firstAbove = 0;
    for (let i = 1; i <= DEFAULT_DRIFT_WINDOW; i++) {
      const x = [...draw()];
      x[bmi]! += 0.05;
      w.add(x, model.predict(x));
      if (firstAbove === 0 && (w.psi().bmi ?? 0) > 0.2) firstAbove = i;
    }
    const psi = w.psi();
    t.diagnostic(
      `after a shifted window: ${JSON.stringify(psi, (_, v: unknown) => (typeof v === 'number' ? +v.toFixed(4) : v))}`,
    );
    t.diagnostic(`psi.bmi first above 0.2 after ${firstAbove} shifted vectors`);
    assert.ok(psi.bmi! > 1, `psi.bmi ${psi.bmi}`);
    assert.ok(psi.prediction! > 0.2, `psi.prediction ${psi.prediction}`);
    for (const c of w.columns)
      if (c !== 'bmi' && c !== 'prediction') assert.ok(psi[c]! < 0.1, `${c} did not move: ${psi[c]}`);
    // PSI grows about as the square of the shifted share of the window, so nearly half of it (452 vectors with
    // this seed) must have moved before 0.2 is crossed: the delay that buys a window long enough to stay quiet.
    assert.ok(firstAbove > 0 && firstAbove < 600, `first above 0.2 after ${firstAbove}`);
  });
});
