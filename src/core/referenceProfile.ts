/**
 * The reference profile: what the training data looked like, kept in the model file under `"reference"` so that
 * live data can be compared with it (see `DriftWindow`). Pure.
 *
 * ```json
 * "reference": {
 *   "features": { "age": { "edges": [-0.0673, …9 in all], "fractions": [0.0995, …10 in all] },
 *                 "sex": { "edges": [0.0507], "fractions": [0.5317, 0.4683] }, … },
 *   "prediction": { "edges": [78.91, …], "fractions": [0.0995, …] },
 *   "mae": 43.28, "rmse": 53.48 }
 * ```
 *
 * Bins. `edges` are the inner edges, strictly increasing; `k` edges make `k + 1` bins, the outer two open-ended,
 * so every finite value has a bin. A bin holds its lower edge and not its upper one, like `histogram.ts`: bin 0 is
 * `(-∞, edges[0])`, bin `i` is `[edges[i-1], edges[i])`, the last is `[edges[k-1], +∞)`; a value equal to an edge
 * goes to the bin ABOVE it. `fractions[i]` is the share of training rows in bin `i`.
 *
 * The edges are the training data's deciles, taken as data values (see `quantileEdges`). A feature with repeated
 * values gets fewer bins, never an empty one: `sex` (two values) has a single edge, at its upper value.
 */
import { regressionMetrics } from './stats.js';

/** Quantile bins per feature: deciles. */
export const REFERENCE_BINS = 10;
/** The name of the model's output among the profile's columns (`psi.prediction`); no feature may take it. */
export const PREDICTION_COLUMN = 'prediction';
/** At most 255 inner edges (256 bins), so that a drift window stores one byte per value. */
export const MAX_REFERENCE_EDGES = 255;
/** How far from 1 the fractions of a bin profile may sum (a hand-written profile rounds them). */
const FRACTION_SUM_TOLERANCE = 1e-6;

/** One column's bins: inner edges, strictly increasing, and the training share per bin (one more than edges). */
export interface BinProfile {
  readonly edges: readonly number[];
  readonly fractions: readonly number[];
}

/** The training data's distribution per feature and of the in-sample predictions, and the in-sample errors. */
export interface ReferenceProfile {
  /** By feature name. */
  readonly features: Readonly<Record<string, BinProfile>>;
  /** The model's predictions on its training rows. */
  readonly prediction: BinProfile;
  /** In-sample mean absolute error. */
  readonly mae: number;
  /** In-sample root mean squared error. */
  readonly rmse: number;
}

/** A reference profile that cannot be used, and why. */
export class ReferenceProfileError extends Error {
  override readonly name = 'ReferenceProfileError';
  constructor(
    message: string,
    /** The file (or other source) holding the profile. */
    readonly source: string,
  ) {
    super(`${source}: ${message}`);
  }
}

/**
 * The bin of `x` for inner `edges` (strictly increasing): the number of edges `<= x`, found by binary search. A
 * value equal to an edge goes to the bin above it. `x` must not be NaN (it would land in bin 0).
 *
 * @example
 * ```ts
 * binIndex([1, 2, 3], 0.5); // 0
 * binIndex([1, 2, 3], 2); // 2: [2, 3)
 * binIndex([1, 2, 3], 9); // 3
 * ```
 */
export function binIndex(edges: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] ?? Infinity) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Inner edges at the `bins`-quantiles of `values`: edge `j` is the sorted value at index `⌊j·n/bins⌋`, so bin
 * `j` holds the values below it and at most `⌊j·n/bins⌋` of them. Repeated edges collapse, and an edge equal to
 * the minimum is dropped (nothing lies below it), so every bin holds at least one of `values`.
 *
 * @example
 * ```ts
 * quantileEdges([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]); // [2, 3, 4, 5, 6, 7, 8, 9, 10]
 * quantileEdges([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]); // [1]
 * ```
 * @throws RangeError when `values` is empty or holds a non-finite number.
 */
export function quantileEdges(values: readonly number[], bins: number = REFERENCE_BINS): number[] {
  if (!Number.isSafeInteger(bins) || bins < 1 || bins > MAX_REFERENCE_EDGES + 1)
    throw new RangeError(`bins must be an integer from 1 to ${MAX_REFERENCE_EDGES + 1}, got ${bins}`);
  if (values.length === 0) throw new RangeError('cannot bin an empty column');
  if (!values.every(Number.isFinite)) throw new RangeError('cannot bin a column holding a non-finite value');
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const edges: number[] = [];
  let last = sorted[0] ?? 0;
  for (let j = 1; j < bins; j++) {
    const edge = sorted[Math.floor((j * n) / bins)] ?? last;
    if (edge > last) edges.push((last = edge));
  }
  return edges;
}

/**
 * The bin profile of one column: its quantile edges and the share of `values` in each bin.
 *
 * @example
 * ```ts
 * binProfile([5, 0, 0, 1], 2); // { edges: [1], fractions: [0.5, 0.5] }: 1 goes to the bin above its edge
 * binProfile([0, 0, 0, 1], 2); // { edges: [], fractions: [1] }: the median edge, 0, is the minimum
 * ```
 */
export function binProfile(values: readonly number[], bins: number = REFERENCE_BINS): BinProfile {
  const edges = quantileEdges(values, bins);
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) counts[binIndex(edges, v)]!++;
  return { edges, fractions: counts.map((c) => c / values.length) };
}

/**
 * The reference profile of a model on its training data: a bin profile per model feature (the data set's columns
 * are found by name, in any order), one of the in-sample predictions, and in-sample MAE and RMSE.
 *
 * @example
 * ```ts
 * const ds = parseDataset(readFileSync('data/diabetes.csv', 'utf8'), 'target');
 * const model = parseLinearModel(JSON.parse(readFileSync('models/diabetes-linear.json', 'utf8')));
 * const reference = buildReferenceProfile(ds, model); // reference.features.bmi.edges.length === 9
 * ```
 * @throws RangeError when a model feature is missing from the data, is named `prediction`, or the data is empty.
 */
export function buildReferenceProfile(
  data: {
    readonly featureNames: readonly string[];
    readonly X: readonly number[][];
    readonly y: readonly number[];
  },
  model: { readonly features: readonly string[]; predict(x: readonly number[]): number },
): ReferenceProfile {
  const columns = model.features.map((name) => {
    if (name === PREDICTION_COLUMN)
      throw new RangeError(
        `a feature may not be named "${PREDICTION_COLUMN}": psi.prediction is the model's`,
      );
    const j = data.featureNames.indexOf(name);
    if (j === -1) throw new RangeError(`the data has no column ${JSON.stringify(name)} for the model`);
    return j;
  });
  if (data.X.length === 0 || data.X.length !== data.y.length)
    throw new RangeError(
      `need as many rows as targets, at least one; got ${data.X.length} and ${data.y.length}`,
    );
  const rows = data.X.map((row) => columns.map((j) => row[j] ?? NaN));
  const predictions = rows.map((x) => model.predict(x));
  const { mae, rmse } = regressionMetrics(data.y, predictions);
  const features = Object.fromEntries(
    model.features.map((name, k) => [name, binProfile(rows.map((x) => x[k] ?? NaN))]),
  );
  return { features, prediction: binProfile(predictions), mae, rmse };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return typeof v === 'object' ? 'an object' : typeof v;
};

/** `reference.features.bmi`, or `reference.features["s 1"]` for a name that is not an identifier. */
const member = (path: string, key: string): string =>
  /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

const KNOWN_FIELDS = ['features', 'prediction', 'mae', 'rmse'];

/**
 * Validates the `"reference"` value of a model file (the result of `JSON.parse`) and returns the profile. Checked:
 * no unknown field; `features` a non-empty object whose names are not `prediction`; in each bin profile, `edges`
 * finite, strictly increasing and at most `MAX_REFERENCE_EDGES`, one more `fractions` than edges, each in [0, 1],
 * summing to 1 (±1e-6); `mae` and `rmse` finite and ≥ 0. Whether a model file must have a reference, and whether
 * its features match the model's, is the caller's decision.
 *
 * @example
 * ```ts
 * const reference = parseReferenceProfile(JSON.parse(text).reference, 'models/m.json');
 * ```
 * @param source names the file in error messages; fields are named from `reference`.
 * @throws ReferenceProfileError naming the first bad field.
 */
export function parseReferenceProfile(json: unknown, source = '<model>'): ReferenceProfile {
  const fail = (message: string): never => {
    throw new ReferenceProfileError(message, source);
  };
  if (!isRecord(json)) return fail(`"reference" must be an object, got ${describe(json)}`);
  for (const key of Object.keys(json))
    if (!KNOWN_FIELDS.includes(key))
      fail(`unknown field "${member('reference', key)}" (known: ${KNOWN_FIELDS.join(', ')})`);

  const features = json.features;
  if (!isRecord(features) || Object.keys(features).length === 0)
    return fail(
      `"reference.features" must be an object with a bin profile per feature, got ${describe(features)}`,
    );
  if (Object.hasOwn(features, PREDICTION_COLUMN))
    fail(
      `"${member('reference.features', PREDICTION_COLUMN)}": no feature may be named "${PREDICTION_COLUMN}"`,
    );
  const parsed = Object.entries(features).map(
    ([name, v]) => [name, parseBins(v, member('reference.features', name), fail)] as const,
  );
  const prediction = parseBins(json.prediction, 'reference.prediction', fail);
  const error = (key: 'mae' | 'rmse'): number => {
    const n = json[key];
    return typeof n === 'number' && Number.isFinite(n) && n >= 0
      ? n
      : fail(`"reference.${key}" must be a finite number ≥ 0, got ${describe(n)}`);
  };
  const profile: ReferenceProfile = {
    features: Object.freeze(Object.fromEntries(parsed)),
    prediction,
    mae: error('mae'),
    rmse: error('rmse'),
  };
  return Object.freeze(profile);
}

function parseBins(v: unknown, path: string, fail: (message: string) => never): BinProfile {
  if (!isRecord(v))
    return fail(`"${path}" must be an object with "edges" and "fractions", got ${describe(v)}`);
  for (const key of Object.keys(v))
    if (key !== 'edges' && key !== 'fractions')
      fail(`unknown field "${member(path, key)}" (known: edges, fractions)`);
  const { edges, fractions } = v;
  if (!Array.isArray(edges))
    return fail(`"${path}.edges" must be an array of numbers, got ${describe(edges)}`);
  if (edges.length > MAX_REFERENCE_EDGES)
    fail(`"${path}.edges" has ${edges.length} edges; at most ${MAX_REFERENCE_EDGES}`);
  edges.forEach((e: unknown, i) => {
    if (typeof e !== 'number' || !Number.isFinite(e))
      fail(`"${path}.edges"[${i}] must be a finite number, got ${describe(e)}`);
    else if (i > 0 && !(e > (edges[i - 1] as number)))
      fail(`"${path}.edges"[${i}] is ${e}, not above the edge before it (${String(edges[i - 1])})`);
  });
  if (!Array.isArray(fractions))
    return fail(`"${path}.fractions" must be an array of numbers, got ${describe(fractions)}`);
  if (fractions.length !== edges.length + 1)
    fail(
      `"${path}.fractions" has ${fractions.length} values; ${edges.length} edges make ${edges.length + 1} bins`,
    );
  let sum = 0;
  fractions.forEach((f: unknown, i) => {
    if (typeof f !== 'number' || !(f >= 0 && f <= 1))
      fail(`"${path}.fractions"[${i}] must be a number from 0 to 1, got ${describe(f)}`);
    else sum += f;
  });
  if (Math.abs(sum - 1) > FRACTION_SUM_TOLERANCE) fail(`"${path}.fractions" sum to ${sum}, not 1`);
  return Object.freeze({
    edges: Object.freeze([...(edges as number[])]),
    fractions: Object.freeze([...(fractions as number[])]),
  });
}
