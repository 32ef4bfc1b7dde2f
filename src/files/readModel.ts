/**
 * Reads a linear model file from disk. The file is JSON DATA, parsed with `JSON.parse` and validated by
 * `parseLinearModel`: nothing in it is ever executed or imported.
 */
import { readFile, stat } from 'node:fs/promises';
import { type LinearModel, LinearModelError, parseLinearModel } from '../core/linearModel.js';
import { fsReason } from './fsReason.js';
import { errorMessage } from '../core/errors.js';

/** A model of 10,000 features is a few hundred kB; anything much larger is not a model file. */
export const MAX_MODEL_BYTES = 16 * 1024 * 1024;

/**
 * Reads, parses and validates the model file at `path`.
 *
 * @throws LinearModelError for a file that is missing, unreadable, a directory, too large, not JSON, or not a
 *   valid model. The message names the path and says what is wrong; the underlying error is kept as `cause`.
 *
 * @example
 * ```ts
 * const model = await readModel('models/diabetes-linear.json');
 * model.predict([0.038, 0.051, 0.062, 0.022, -0.044, -0.035, -0.043, -0.003, 0.020, -0.018]);
 * ```
 */
export async function readModel(path: string): Promise<LinearModel> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new LinearModelError('is a directory, not a model file', path);
    if (info.size > MAX_MODEL_BYTES)
      throw new LinearModelError(`is ${info.size} bytes; a model file is at most ${MAX_MODEL_BYTES}`, path);
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof LinearModelError) throw e;
    throw new LinearModelError(`cannot read the model file: ${fsReason(e)}`, path, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LinearModelError(`not a JSON file: ${errorMessage(e)}`, path, {
      cause: e,
    });
  }
  return parseLinearModel(json, path);
}
