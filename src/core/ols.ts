/**
 * Ordinary least squares with an intercept, solved by Householder QR. Pure.
 *
 * Why this way: the normal equations square the condition number (a data set with collinear serum columns
 * loses half its digits), so we factor the design itself. The columns are first centred, which takes the
 * intercept out of the factorisation (a raw column such as age in years is nearly parallel to the constant
 * column), and scaled to unit length, so the rank test and the condition number do not depend on units.
 */

/** The fitted model `y ≈ intercept + Σ coefficients[j]·x[j]`. */
export interface OlsFit {
  readonly intercept: number;
  readonly coefficients: number[];
  /**
   * 1-norm condition number of the centred, unit-length-scaled design: how much relative noise in the data
   * can be amplified in the coefficients. About 1 for orthogonal features; it grows as features become collinear.
   */
  readonly conditionNumber: number;
}

export interface OlsOptions {
  /** Names of the columns, for error messages. */
  readonly featureNames?: readonly string[];
  /**
   * Fits whose condition number exceeds this are refused: beyond it the coefficients along the nearly
   * collinear direction are mostly rounding noise (the error bound grows like κ² · 2⁻⁵²).
   * @default MAX_CONDITION_NUMBER
   */
  readonly maxConditionNumber?: number;
}

/** Default ceiling on the condition number of a fit. */
export const MAX_CONDITION_NUMBER = 1e8;

/** The data cannot give a unique, trustworthy least-squares solution. */
export class OlsError extends Error {
  override readonly name = 'OlsError';
  constructor(
    message: string,
    /** The (0-based) feature column at fault, when one is. */
    readonly column?: number,
  ) {
    super(message);
  }
}

const EPS = Number.EPSILON;

/**
 * Fits `y ≈ c + Xβ` by least squares.
 *
 * Throws an `OlsError` when the problem has no unique stable solution: fewer rows than coefficients, ragged or
 * non-finite input, a constant column (it duplicates the intercept), a column that is a linear combination of
 * earlier ones, or a condition number above `maxConditionNumber`.
 *
 * @param X `n` rows of `k` features.
 * @param y `n` targets.
 *
 * @example
 * ```ts
 * const fit = fitOls([[0], [1], [2]], [1, 3, 5]); // intercept 1, coefficients [2]
 * ```
 */
export function fitOls(
  X: readonly (readonly number[])[],
  y: readonly number[],
  options: OlsOptions = {},
): OlsFit {
  const n = X.length;
  const k = X[0]?.length ?? 0;
  const names = options.featureNames;
  const colName = (j: number): string => (names?.[j] !== undefined ? `"${names[j]}"` : `${j}`);
  const maxCond = options.maxConditionNumber ?? MAX_CONDITION_NUMBER;

  if (y.length !== n) throw new OlsError(`X has ${n} rows but y has ${y.length} values`);
  if (k === 0) throw new OlsError('X has no feature column');
  if (n < k + 1)
    throw new OlsError(`${n} rows cannot determine ${k + 1} coefficients (${k} features and the intercept)`);

  // Column-major copy: Householder reflections walk down columns.
  const a = new Float64Array(n * k);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = X[i] ?? [];
    if (row.length !== k) throw new OlsError(`row ${i} has ${row.length} features; row 0 has ${k}`);
    for (let j = 0; j < k; j++) {
      const v = row[j] ?? NaN;
      if (!Number.isFinite(v)) throw new OlsError(`X[${i}][${j}] is ${v}, not a finite number`, j);
      a[j * n + i] = v;
    }
    const t = y[i] ?? NaN;
    if (!Number.isFinite(t)) throw new OlsError(`y[${i}] is ${t}, not a finite number`);
    b[i] = t;
  }

  const yMean = centre(b, 0, n);
  const means = new Float64Array(k);
  const scales = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const off = j * n;
    let maxAbs = 0;
    for (let i = 0; i < n; i++) maxAbs = Math.max(maxAbs, Math.abs(a[off + i] ?? 0));
    means[j] = centre(a, off, n);
    const norm = norm2(a, off, n);
    // Centring a constant column leaves only the rounding of its mean.
    if (norm <= n * EPS * maxAbs || norm === 0)
      throw new OlsError(`feature column ${colName(j)} is constant: it duplicates the intercept`, j);
    scales[j] = norm;
    for (let i = 0; i < n; i++) a[off + i] = (a[off + i] ?? 0) / norm;
  }

  // In-place Householder QR of the scaled design, applying each reflection to b as we go, so b ends as Qᵀb.
  const rDiag = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const off = j * n;
    const alphaNorm = norm2(a, off + j, n - j);
    const ajj = a[off + j] ?? 0;
    const alpha = ajj > 0 ? -alphaNorm : alphaNorm;
    rDiag[j] = alpha;
    if (alphaNorm === 0) continue;
    // v = x − αe₁, stored over the column; H = I − 2vvᵀ/(vᵀv) with vᵀv = 2(α² − α·x₀).
    a[off + j] = ajj - alpha;
    const vtv = 2 * (alphaNorm * alphaNorm - alpha * ajj);
    for (let c = j + 1; c < k; c++) reflect(a, off, a, c * n, j, n, vtv);
    reflect(a, off, b, 0, j, n, vtv);
  }

  // A column that adds nothing beyond the earlier ones leaves a diagonal of rounding size (the columns have
  // unit length, so the bound is absolute).
  const tol = Math.max(n, k) * EPS * 4;
  for (let j = 0; j < k; j++) {
    if (Math.abs(rDiag[j] ?? 0) <= tol)
      throw new OlsError(
        `feature column ${colName(j)} is a linear combination of the intercept and the columns before it ` +
          '(a duplicate or derived column): the coefficients are not unique',
        j,
      );
  }

  // R's strict upper triangle sits in a[c*n + r] for r < c; its diagonal in rDiag.
  const r = (row: number, col: number): number => (row === col ? (rDiag[row] ?? 0) : (a[col * n + row] ?? 0));
  const conditionNumber = triangularCondition1(r, k);
  if (!(conditionNumber <= maxCond))
    throw new OlsError(
      `the features are too nearly collinear to fit reliably: condition number ${conditionNumber.toExponential(2)} ` +
        `exceeds ${maxCond.toExponential(0)}; remove a redundant feature`,
    );

  // Back substitution R z = (Qᵀb)[0, k), then undo the scaling and the centring.
  const z = new Float64Array(k);
  for (let row = k - 1; row >= 0; row--) {
    let s = b[row] ?? 0;
    for (let c = row + 1; c < k; c++) s -= r(row, c) * (z[c] ?? 0);
    z[row] = s / r(row, row);
  }
  const coefficients: number[] = [];
  let intercept = yMean;
  for (let j = 0; j < k; j++) {
    const beta = (z[j] ?? 0) / (scales[j] ?? 1);
    coefficients.push(beta);
    intercept -= beta * (means[j] ?? 0);
  }
  return { intercept, coefficients, conditionNumber };
}

/** Subtracts the mean of `v[off, off+len)` from it and returns the mean. */
function centre(v: Float64Array, off: number, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i++) sum += v[off + i] ?? 0;
  const mean = sum / len;
  for (let i = 0; i < len; i++) v[off + i] = (v[off + i] ?? 0) - mean;
  return mean;
}

/** Euclidean norm of `v[off, off+len)`, scaled so that squaring cannot overflow or underflow. */
function norm2(v: Float64Array, off: number, len: number): number {
  let max = 0;
  for (let i = 0; i < len; i++) max = Math.max(max, Math.abs(v[off + i] ?? 0));
  if (max === 0) return 0;
  let sum = 0;
  for (let i = 0; i < len; i++) {
    const t = (v[off + i] ?? 0) / max;
    sum += t * t;
  }
  return max * Math.sqrt(sum);
}

/** Applies H = I − 2vvᵀ/vtv, v = house[hOff + j, hOff + n), to target[tOff + j, tOff + n). */
function reflect(
  house: Float64Array,
  hOff: number,
  target: Float64Array,
  tOff: number,
  j: number,
  n: number,
  vtv: number,
): void {
  let dot = 0;
  for (let i = j; i < n; i++) dot += (house[hOff + i] ?? 0) * (target[tOff + i] ?? 0);
  const f = (2 * dot) / vtv;
  for (let i = j; i < n; i++) target[tOff + i] = (target[tOff + i] ?? 0) - f * (house[hOff + i] ?? 0);
}

/**
 * κ₁(R) = ‖R‖₁·‖R⁻¹‖₁ for an upper-triangular k×k R with a non-zero diagonal, R⁻¹ formed column by column
 * (k is the number of features: small, so the exact value is cheap and needs no estimator).
 */
function triangularCondition1(r: (row: number, col: number) => number, k: number): number {
  let normR = 0;
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let row = 0; row <= c; row++) s += Math.abs(r(row, c));
    normR = Math.max(normR, s);
  }
  let normInv = 0;
  const col = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    // Solve R x = e_c; x is zero below row c.
    col.fill(0);
    let s = 0;
    for (let row = c; row >= 0; row--) {
      let acc = row === c ? 1 : 0;
      for (let m = row + 1; m <= c; m++) acc -= r(row, m) * (col[m] ?? 0);
      const x = acc / r(row, row);
      col[row] = x;
      s += Math.abs(x);
    }
    normInv = Math.max(normInv, s);
  }
  return normR * normInv;
}
