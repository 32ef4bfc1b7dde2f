import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDataset, type Dataset } from '../../src/core/dataset.js';
import { regressionMetrics } from '../../src/core/stats.js';
import { fitOls, OlsError, type OlsFit } from '../../src/core/ols.js';

/** Deterministic uniform numbers in [-1, 1) (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

const load = (path: string): Dataset => parseDataset(readFileSync(path, 'utf8'), 'target', path);
const predict = (fit: OlsFit, x: readonly number[]): number =>
  fit.intercept + x.reduce((s, v, j) => s + v * (fit.coefficients[j] ?? NaN), 0);
const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

/**
 * Independent reference: the normal equations (AᵀA)β = Aᵀy for A = [1 X], solved by Cholesky. Numerically the
 * weaker method, but an entirely different computation, and accurate enough on well-conditioned data.
 */
function normalEquationsSolve(X: readonly (readonly number[])[], y: readonly number[]): number[] {
  const p = (X[0]?.length ?? 0) + 1;
  const row = (i: number): number[] => [1, ...(X[i] ?? [])];
  const G = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const c = new Array<number>(p).fill(0);
  for (let i = 0; i < y.length; i++) {
    const a = row(i);
    for (let r = 0; r < p; r++) {
      c[r] = (c[r] ?? 0) + (a[r] ?? 0) * (y[i] ?? 0);
      for (let s = 0; s < p; s++) G[r]![s] = (G[r]![s] ?? 0) + (a[r] ?? 0) * (a[s] ?? 0);
    }
  }
  // G = LLᵀ
  const L = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let j = 0; j < p; j++) {
    let d = G[j]![j]!;
    for (let m = 0; m < j; m++) d -= L[j]![m]! ** 2;
    assert.ok(d > 0, 'Gram matrix is not positive definite');
    L[j]![j] = Math.sqrt(d);
    for (let i = j + 1; i < p; i++) {
      let s = G[i]![j]!;
      for (let m = 0; m < j; m++) s -= L[i]![m]! * L[j]![m]!;
      L[i]![j] = s / L[j]![j]!;
    }
  }
  const z = new Array<number>(p).fill(0);
  for (let i = 0; i < p; i++) {
    let s = c[i]!;
    for (let m = 0; m < i; m++) s -= L[i]![m]! * z[m]!;
    z[i] = s / L[i]![i]!;
  }
  const beta = new Array<number>(p).fill(0);
  for (let i = p - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let m = i + 1; m < p; m++) s -= L[m]![i]! * beta[m]!;
    beta[i] = s / L[i]![i]!;
  }
  return beta;
}

function throwsOls(X: number[][], y: number[], pattern: RegExp, column?: number): void {
  assert.throws(
    () => fitOls(X, y, { featureNames: X[0]?.map((_, j) => `f${j}`) }),
    (e: unknown) => {
      assert.ok(e instanceof OlsError, `expected OlsError, got ${String(e)}`);
      assert.match(e.message, pattern);
      if (column !== undefined) assert.equal(e.column, column);
      return true;
    },
  );
}

describe('fitOls on synthetic data', () => {
  it('recovers the exact coefficients of y = Xβ + c', () => {
    const rnd = random(1);
    const beta = [3.5, -2, 0.125, 1e3, -7e-3];
    const c = -42.5;
    const X = Array.from({ length: 60 }, () => beta.map(() => rnd()));
    const y = X.map((x) => c + x.reduce((s, v, j) => s + v * beta[j]!, 0));
    const fit = fitOls(X, y);
    assert.ok(relErr(fit.intercept, c) < 1e-9, `intercept ${fit.intercept}`);
    beta.forEach((b, j) =>
      assert.ok(relErr(fit.coefficients[j]!, b) < 1e-9, `β${j} ${fit.coefficients[j]} vs ${b}`),
    );
    assert.ok(fit.conditionNumber >= 1 && fit.conditionNumber < 100, `κ ${fit.conditionNumber}`);
  });

  it('recovers them too when the columns have large offsets and very different scales', () => {
    // Like raw data: age ≈ 50 ± 13, a serum value ≈ 200 ± 35, a ratio ≈ 0.005 ± 0.001.
    const rnd = random(2);
    const beta = [0.5, -0.03, 2500];
    const c = 1e4;
    const X = Array.from({ length: 200 }, () => [50 + 13 * rnd(), 200 + 35 * rnd(), 0.005 + 0.001 * rnd()]);
    const y = X.map((x) => c + x.reduce((s, v, j) => s + v * beta[j]!, 0));
    const fit = fitOls(X, y);
    assert.ok(relErr(fit.intercept, c) < 1e-9, `intercept ${fit.intercept}`);
    beta.forEach((b, j) =>
      assert.ok(relErr(fit.coefficients[j]!, b) < 1e-9, `β${j} ${fit.coefficients[j]} vs ${b}`),
    );
  });

  it('fits exactly with as many rows as coefficients', () => {
    const fit = fitOls([[0], [1]], [1, 3]);
    assert.ok(Math.abs(fit.intercept - 1) < 1e-12);
    assert.ok(Math.abs(fit.coefficients[0]! - 2) < 1e-12);
  });
});

describe('fitOls on the diabetes data set', () => {
  const ds = load('data/diabetes.csv');
  const fit = fitOls(ds.X, ds.y);

  it('agrees with an independent normal-equations solve to 1e-6 relative', () => {
    const ref = normalEquationsSolve(ds.X, ds.y);
    assert.ok(relErr(fit.intercept, ref[0]!) < 1e-6, `intercept ${fit.intercept} vs ${ref[0]}`);
    fit.coefficients.forEach((b, j) =>
      assert.ok(relErr(b, ref[j + 1]!) < 1e-6, `${ds.featureNames[j]}: ${b} vs ${ref[j + 1]}`),
    );
  });

  it('leaves residuals orthogonal to the constant and to every column', () => {
    const r = ds.X.map((x, i) => ds.y[i]! - predict(fit, x));
    const rNorm = Math.hypot(...r);
    const sum = r.reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum) < 1e-10 * Math.sqrt(r.length) * rNorm, `Σr = ${sum}`);
    for (let j = 0; j < ds.featureNames.length; j++) {
      const col = ds.X.map((x) => x[j]!);
      const dot = col.reduce((s, v, i) => s + v * r[i]!, 0);
      assert.ok(Math.abs(dot) < 1e-10 * Math.hypot(...col) * rNorm, `${ds.featureNames[j]}: Xᵀr = ${dot}`);
    }
  });

  it('fits as well as data/README.md says: MAE 43.28, RMSE 53.48, R² 0.518', () => {
    const m = regressionMetrics(
      ds.y,
      ds.X.map((x) => predict(fit, x)),
    );
    assert.equal(m.mae.toFixed(2), '43.28');
    assert.equal(m.rmse.toFixed(2), '53.48');
    assert.equal(m.r2.toFixed(2), '0.52');
    assert.equal(m.r2.toFixed(3), '0.518');
  });

  it('predicts the same from the raw file as from the scaled one (the scaling is affine)', () => {
    const raw = load('data/diabetes-raw.csv');
    const rawFit = fitOls(raw.X, raw.y);
    raw.X.forEach((x, i) => {
      const a = predict(rawFit, x);
      const b = predict(fit, ds.X[i]!);
      assert.ok(relErr(a, b) < 1e-9, `row ${i}: ${a} vs ${b}`);
    });
    // Centring and unit scaling make the condition number independent of the units.
    assert.ok(relErr(rawFit.conditionNumber, fit.conditionNumber) < 1e-6);
  });
});

describe('fitOls refuses problems without a unique stable solution', () => {
  const rnd = random(3);
  const base = Array.from({ length: 30 }, () => [rnd(), rnd(), rnd()]);
  const y = base.map(() => rnd());

  it('a duplicate column', () => {
    throwsOls(
      base.map(([a, b, c]) => [a!, b!, c!, b!]),
      y,
      /column "f3" is a linear combination/,
      3,
    );
  });

  it('a column derived from others', () => {
    throwsOls(
      base.map(([a, b, c]) => [a!, b!, 2 * a! - 0.5 * b!, c!]),
      y,
      /column "f2" is a linear combination/,
      2,
    );
  });

  it('a constant column, which duplicates the intercept', () => {
    throwsOls(
      base.map(([a, b]) => [a!, 0.1, b!]),
      y,
      /column "f1" is constant/,
      1,
    );
    throwsOls(
      base.map(([a]) => [a!, 0]),
      y,
      /column "f1" is constant/,
      1,
    );
  });

  it('nearly collinear columns, by their condition number', () => {
    throwsOls(
      base.map(([a, b, c]) => [a!, b!, c!, a! + 1e-9 * rnd()]),
      y,
      /too nearly collinear.*condition number/,
    );
    // …and the ceiling is the caller's to set.
    assert.throws(() => fitOls(base, y, { maxConditionNumber: 1 }), OlsError);
  });

  it('too few rows, ragged or non-finite input', () => {
    throwsOls([[1, 2]], [1], /1 rows cannot determine 3 coefficients/);
    throwsOls([[1], [2, 3], [4]], [1, 2, 3], /row 1 has 2 features/);
    throwsOls([[1], [NaN], [3]], [1, 2, 3], /X\[1\]\[0\] is NaN/);
    throwsOls([[1], [2], [3]], [1, Infinity, 3], /y\[1\] is Infinity/);
    throwsOls([[1], [2], [3]], [1, 2], /3 rows but y has 2/);
    throwsOls([[], []], [1, 2], /no feature column/);
  });
});
