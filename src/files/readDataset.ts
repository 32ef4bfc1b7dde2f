/**
 * Reads a data set file from disk. The parsing itself is the pure `parseDataset`.
 */
import { readFile, stat } from 'node:fs/promises';
import { type Dataset, DatasetError, parseDataset } from '../core/dataset.js';
import { fsReason } from './fsReason.js';

/** Larger files are refused up front: a string of this size is near the engine's limit anyway. */
export const MAX_DATASET_BYTES = 256 * 1024 * 1024;

/**
 * Reads and parses the CSV data set at `path`; `target` names the column to predict.
 *
 * @throws DatasetError for a file that is missing, unreadable, a directory, too large, or not a valid data set.
 *   The message names the path and says what is wrong; the file system error is kept as `cause`.
 *
 * @example
 * ```ts
 * const ds = await readDataset('data/diabetes.csv', 'target');
 * ```
 */
export async function readDataset(path: string, target: string): Promise<Dataset> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new DatasetError('is a directory, not a CSV file', path);
    if (info.size > MAX_DATASET_BYTES)
      throw new DatasetError(`is ${info.size} bytes; at most ${MAX_DATASET_BYTES} are read`, path);
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(`cannot read the data set: ${fsReason(e)}`, path, undefined, { cause: e });
  }
  return parseDataset(text, target, path);
}
