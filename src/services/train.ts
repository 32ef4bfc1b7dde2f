/**
 * `pipeline train`: fits a linear model to a data set and writes the model file.
 */
import { randomBytes } from 'node:crypto';
import { access, link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import { type LinearModel, LinearModelError, createLinearModel } from '../core/linearModel.js';
import { fitOls } from '../core/ols.js';
import { regressionMetrics } from '../core/stats.js';
import { readDataset } from '../files/readDataset.js';
import { buildReferenceProfile } from '../core/referenceProfile.js';

export interface TrainOptions {
  /** Path of the CSV data set. */
  readonly dataset: string;
  /** Name of the column to predict. */
  readonly target: string;
  /** Path of the model file to write (its directory is created if needed). */
  readonly out: string;
  /**
   * Whether an existing file at `out` is replaced. When false, an existing file is a `ModelFileExistsError`,
   * found before the fit and again at the moment of writing (a file that appeared meanwhile is kept too).
   * @default true
   */
  readonly overwrite?: boolean;
  /** Clock for `training.trainedAt`. @default () => new Date() */
  readonly now?: () => Date;
}

/** `train` was asked not to overwrite, and the model file exists. */
export class ModelFileExistsError extends LinearModelError {
  constructor(path: string, options?: ErrorOptions) {
    super('the model file already exists', path, options);
  }
}

/** What training produced: the model as written and its in-sample figures. */
export interface TrainResult {
  /** Where the model file was written. */
  readonly out: string;
  readonly model: LinearModel;
  readonly rows: number;
  readonly features: readonly string[];
  /** In-sample mean absolute error. */
  readonly mae: number;
  /** In-sample root mean squared error. */
  readonly rmse: number;
  /** In-sample coefficient of determination. */
  readonly r2: number;
  /** See `OlsFit.conditionNumber`. */
  readonly conditionNumber: number;
}

/**
 * Reads the data set, fits ordinary least squares, and writes the model as pretty JSON. The file appears
 * whole or not at all: it is written to a temporary file beside `out`, then renamed over it.
 *
 * @throws DatasetError (bad data set), OlsError (collinear features, too few rows), LinearModelError (`out`
 *   cannot be written; the file system error is its `cause`), ModelFileExistsError (`overwrite: false` and
 *   `out` exists).
 *
 * @example
 * ```ts
 * const r = await train({ dataset: 'data/diabetes.csv', target: 'target', out: 'models/diabetes-linear.json' });
 * console.log(`MAE ${r.mae.toFixed(2)}, R² ${r.r2.toFixed(3)}`);
 * ```
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { dataset: datasetPath, target, out } = options;
  const overwrite = options.overwrite ?? true;
  // Before the fit, so that a refusal costs nothing; the write checks again.
  if (!overwrite && (await exists(out))) throw new ModelFileExistsError(out);
  const ds = await readDataset(datasetPath, target);
  const fit = fitOls(ds.X, ds.y, { featureNames: ds.featureNames });

  const fitted = {
    target,
    features: ds.featureNames,
    intercept: fit.intercept,
    coefficients: fit.coefficients,
  };
  // The figures come from the very predict() the model service will run.
  const bare = createLinearModel(fitted, out);
  const metrics = regressionMetrics(
    ds.y,
    ds.X.map((x) => bare.predict(x)),
  );

  const model = createLinearModel(
    {
      ...fitted,
      training: {
        dataset: displayPath(datasetPath),
        rows: ds.y.length,
        mae: metrics.mae,
        rmse: metrics.rmse,
        r2: metrics.r2,
        trainedAt: (options.now ?? (() => new Date()))().toISOString(),
        conditionNumber: fit.conditionNumber,
      },
      // What the model service measures drift against: the training data's bins and the in-sample predictions'.
      reference: buildReferenceProfile(ds, bare),
    },
    out,
  );

  await writeFileAtomically(out, `${JSON.stringify(model.toJSON(), null, 2)}\n`, overwrite);
  return {
    out,
    model,
    rows: ds.y.length,
    features: ds.featureNames,
    ...metrics,
    conditionNumber: fit.conditionNumber,
  };
}

/** The data set path as the model file records it: relative to the working directory when inside it, so a
 * shipped model does not carry the path of the machine it was trained on. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  return (inside ? rel : path).split(sep).join('/');
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

// A reader (the model service starting up) must never see half a file: write beside the target, then rename,
// which replaces it in one step on the same file system. Without `overwrite`, a hard link instead: it too puts
// the whole file in place in one step, and fails (EEXIST) rather than replace a file that is there.
async function writeFileAtomically(path: string, text: string, overwrite: boolean): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, text, { encoding: 'utf8', flag: 'wx' });
    if (overwrite) await rename(tmp, path);
    else await link(tmp, path).finally(() => rm(tmp, { force: true }));
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && !overwrite) throw new ModelFileExistsError(path, { cause: e });
    const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message;
    throw new LinearModelError(`cannot write the model file: ${reason}`, path, { cause: e });
  }
}
