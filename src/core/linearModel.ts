/**
 * The linear model file and the model it describes. Pure.
 *
 * A model is DATA: a JSON document with the feature names, the intercept and the coefficients. Loading one never
 * runs code from the file (the original Python services unpickled theirs, which executes whatever the file
 * says), and every field is checked before a model exists, so a model that loads can always predict.
 *
 * ```json
 * { "format": "rx-ml-pipeline/linear-model", "version": 1, "target": "target",
 *   "features": ["age", "sex", …], "intercept": 152.13, "coefficients": [-10.0, -239.8, …],
 *   "training": { "dataset": "data/diabetes.csv", "rows": 442, "mae": 43.28, "rmse": 53.48, "r2": 0.518,
 *                 "trainedAt": "2024-01-01T00:00:00.000Z" }, "reference": { … } }
 * ```
 */
import type { RegressionMetrics } from './stats.js';
import { parseReferenceProfile, ReferenceProfileError, type ReferenceProfile } from './referenceProfile.js';

/** Value of the `format` field. */
export const LINEAR_MODEL_FORMAT = 'rx-ml-pipeline/linear-model';
/** The one `version` this code reads and writes. */
export const LINEAR_MODEL_VERSION = 1;
/** More features than a feature message may carry (see `MAX_FEATURES` in codec.ts) could never be fed. */
const MAX_MODEL_FEATURES = 10_000;

/** Where a model came from; informative only, prediction never reads it. */
export interface TrainingInfo extends RegressionMetrics {
  /** The data set file, as given to `train`. */
  readonly dataset: string;
  readonly rows: number;
  /** ISO 8601 timestamp. */
  readonly trainedAt: string;
  /** Condition number of the fit (see `OlsFit`), when known. */
  readonly conditionNumber?: number;
}

/** The JSON document, exactly as written to and read from a model file. */
export interface LinearModelFile {
  readonly format: typeof LINEAR_MODEL_FORMAT;
  readonly version: typeof LINEAR_MODEL_VERSION;
  readonly target: string;
  readonly features: readonly string[];
  readonly intercept: number;
  readonly coefficients: readonly number[];
  /** Optional, so that a model written by hand or by another tool loads too. */
  readonly training?: TrainingInfo;
  /** The training data's profile, which drift is measured against; files without one load, with drift off. */
  readonly reference?: ReferenceProfile;
}

/** A model file that cannot be used, and why. */
export class LinearModelError extends Error {
  override readonly name = 'LinearModelError';
  constructor(
    message: string,
    /** The file (or other source) of the model. */
    readonly source: string,
    options?: ErrorOptions,
  ) {
    super(`${source}: ${message}`, options);
  }
}

/** The private constructor of `LinearModel`, for `parseLinearModel`. */
let construct: (file: LinearModelFile) => LinearModel;

/**
 * A validated linear model: `prediction = intercept + Σ coefficients[j]·x[j]`.
 * Build one with `parseLinearModel` (from a file's JSON) or `createLinearModel` (from a fit).
 */
export class LinearModel {
  readonly #weights: Float64Array;

  private constructor(
    /** The model file's document, validated and frozen. */
    readonly file: LinearModelFile,
  ) {
    this.#weights = Float64Array.from(file.coefficients);
  }

  static {
    // Hands the private constructor to parseLinearModel alone, which validates the document first.
    construct = (file) => new LinearModel(file);
  }

  get features(): readonly string[] {
    return this.file.features;
  }
  get target(): string {
    return this.file.target;
  }
  /** The training data's profile for drift, if the file has one. */
  get reference(): ReferenceProfile | undefined {
    return this.file.reference;
  }
  get intercept(): number {
    return this.file.intercept;
  }
  get coefficients(): readonly number[] {
    return this.file.coefficients;
  }

  /**
   * Why `x` cannot be fed to this model (wrong length, a non-finite value), or `undefined` when it can.
   * Call it once per message before `predict`.
   */
  checkInput(x: readonly number[]): string | undefined {
    const k = this.#weights.length;
    if (x.length !== k) {
      const shown = this.features.slice(0, 10).join(', ') + (k > 10 ? ', …' : '');
      return `expected ${k} features (${shown}), got ${x.length}`;
    }
    for (let j = 0; j < k; j++) {
      const v = x[j];
      if (typeof v !== 'number' || !Number.isFinite(v))
        return `feature ${j} (${this.features[j] ?? '?'}) is ${String(v)}, not a finite number`;
    }
    return undefined;
  }

  /**
   * The prediction for one feature vector, in the model's feature order. Allocation-free: it runs once per
   * message. Throws a `RangeError` on a vector of the wrong length (use `checkInput` to get a reason instead).
   */
  predict(x: readonly number[]): number {
    const w = this.#weights;
    const k = w.length;
    if (x.length !== k) throw new RangeError(`expected ${k} features, got ${x.length}`);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += (w[j] ?? 0) * (x[j] ?? 0);
    return this.file.intercept + sum;
  }

  /** The model file's JSON document. */
  toJSON(): LinearModelFile {
    return this.file;
  }
}

/** Builds a model from a fit, validating it like a file (a NaN coefficient must not reach a model file). */
export function createLinearModel(
  fields: Omit<LinearModelFile, 'format' | 'version'>,
  source = '<new model>',
): LinearModel {
  return parseLinearModel({ format: LINEAR_MODEL_FORMAT, version: LINEAR_MODEL_VERSION, ...fields }, source);
}

const KNOWN_FIELDS = new Set([
  'format',
  'version',
  'target',
  'features',
  'intercept',
  'coefficients',
  'training',
  'reference',
]);

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v === 'object' ? 'an object' : typeof v;
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates a parsed model document and returns the model. Every field is checked: `format` and `version`
 * known, `target` and each feature a non-empty string, feature names unique, as many finite coefficients as
 * features, a finite intercept, and, when present, a well-formed `training` record. Unknown top-level fields are
 * refused, so a misspelt field cannot go unnoticed.
 *
 * @param json the result of `JSON.parse` on the file.
 * @param source names the file in error messages.
 * @throws LinearModelError
 */
export function parseLinearModel(json: unknown, source = '<model>'): LinearModel {
  return construct(validateLinearModelFile(json, source));
}

function validateLinearModelFile(json: unknown, source: string): LinearModelFile {
  const fail = (message: string): never => {
    throw new LinearModelError(message, source);
  };
  if (!isRecord(json)) return fail(`a model file must hold a JSON object, got ${describe(json)}`);
  for (const key of Object.keys(json))
    if (!KNOWN_FIELDS.has(key))
      fail(`unknown field ${JSON.stringify(key)} (known: ${[...KNOWN_FIELDS].join(', ')})`);

  if (json.format !== LINEAR_MODEL_FORMAT)
    fail(`"format" must be ${JSON.stringify(LINEAR_MODEL_FORMAT)}, got ${describe(json.format)}`);
  if (json.version !== LINEAR_MODEL_VERSION)
    fail(
      `"version" ${describe(json.version)} is not supported; this program reads version ${LINEAR_MODEL_VERSION}`,
    );

  const target = json.target;
  if (typeof target !== 'string' || target.trim() === '')
    return fail(`"target" must be a non-empty string, got ${describe(target)}`);

  const features = json.features;
  if (!Array.isArray(features) || features.length === 0)
    return fail(`"features" must be a non-empty array of names, got ${describe(features)}`);
  if (features.length > MAX_MODEL_FEATURES)
    fail(`"features" has ${features.length} names; at most ${MAX_MODEL_FEATURES}`);
  const seen = new Set<string>();
  features.forEach((f: unknown, i) => {
    if (typeof f !== 'string' || f.trim() === '')
      fail(`"features"[${i}] must be a non-empty string, got ${describe(f)}`);
    else if (seen.has(f)) fail(`"features"[${i}] ${JSON.stringify(f)} appears twice`);
    else seen.add(f);
  });

  const intercept = json.intercept;
  if (typeof intercept !== 'number' || !Number.isFinite(intercept))
    return fail(`"intercept" must be a finite number, got ${describe(intercept)}`);

  const coefficients = json.coefficients;
  if (!Array.isArray(coefficients))
    return fail(`"coefficients" must be an array of numbers, got ${describe(coefficients)}`);
  if (coefficients.length !== features.length)
    fail(`"coefficients" has ${coefficients.length} values but "features" has ${features.length} names`);
  coefficients.forEach((c: unknown, i) => {
    if (typeof c !== 'number' || !Number.isFinite(c))
      fail(`"coefficients"[${i}] must be a finite number, got ${describe(c)}`);
  });

  const training = json.training === undefined ? undefined : parseTraining(json.training, fail);
  const reference =
    json.reference === undefined ? undefined : parseReference(json.reference, features, source);

  // Fresh arrays, frozen: the model must not change under the service that holds it.
  const file: LinearModelFile = {
    format: LINEAR_MODEL_FORMAT,
    version: LINEAR_MODEL_VERSION,
    target,
    features: Object.freeze([...(features as string[])]),
    intercept,
    coefficients: Object.freeze([...(coefficients as number[])]),
    ...(training === undefined ? {} : { training }),
    ...(reference === undefined ? {} : { reference }),
  };
  return Object.freeze(file);
}

/** The reference profile, which must profile exactly the model's features (drift compares them column by column). */
function parseReference(v: unknown, features: readonly unknown[], source: string): ReferenceProfile {
  let reference: ReferenceProfile;
  try {
    reference = parseReferenceProfile(v, source);
  } catch (e) {
    throw e instanceof ReferenceProfileError
      ? new LinearModelError(e.message.slice(source.length + 2), source)
      : e;
  }
  const profiled = Object.keys(reference.features);
  const missing = features.filter((f) => typeof f === 'string' && !profiled.includes(f));
  const extra = profiled.filter((f) => !features.includes(f));
  if (missing.length + extra.length === 0) return reference;
  const missingText = missing.length > 0 ? `; missing: ${missing.join(', ')}` : '';
  const extraText = extra.length > 0 ? `; not features of the model: ${extra.join(', ')}` : '';
  throw new LinearModelError(
    `"reference.features" must profile exactly the model's features${missingText}${extraText}`,
    source,
  );
}

function parseTraining(v: unknown, fail: (message: string) => never): TrainingInfo {
  if (!isRecord(v)) return fail(`"training" must be an object, got ${describe(v)}`);
  const str = (key: string): string => {
    const s = v[key];
    return typeof s === 'string' && s !== ''
      ? s
      : fail(`"training.${key}" must be a non-empty string, got ${describe(s)}`);
  };
  const num = (key: string, ok: (n: number) => boolean, what: string): number => {
    const n = v[key];
    return typeof n === 'number' && Number.isFinite(n) && ok(n)
      ? n
      : fail(`"training.${key}" must be ${what}, got ${describe(n)}`);
  };
  const nonNegative = (n: number): boolean => n >= 0;
  const dataset = str('dataset');
  const trainedAt = str('trainedAt');
  if (Number.isNaN(Date.parse(trainedAt))) fail(`"training.trainedAt" is not a date: ${describe(trainedAt)}`);
  const info: TrainingInfo = {
    dataset,
    rows: num('rows', (n) => Number.isInteger(n) && n > 0, 'a positive integer'),
    mae: num('mae', nonNegative, 'a finite number ≥ 0'),
    rmse: num('rmse', nonNegative, 'a finite number ≥ 0'),
    r2: num('r2', (n) => n <= 1, 'a finite number ≤ 1'),
    trainedAt,
    ...(v.conditionNumber === undefined
      ? {}
      : { conditionNumber: num('conditionNumber', (n) => n >= 1, 'a finite number ≥ 1') }),
  };
  return Object.freeze(info);
}
