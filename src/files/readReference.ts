/**
 * Reads the reference profile (`"reference"`) of a model file, for the metric, which needs nothing else of the
 * model. An older model file has none: that is not an error, drift is simply off.
 */
import { readFile, stat } from 'node:fs/promises';
import { errorMessage } from '../core/errors.js';
import { parseReferenceProfile, type ReferenceProfile } from '../core/referenceProfile.js';
import { fsReason } from './fsReason.js';
import { MAX_MODEL_BYTES } from './readModel.js';

/**
 * The reference profile of the model file at `path`, or undefined when the file has none.
 *
 * @example
 * ```ts
 * const reference = await readReference('models/diabetes-linear.json');
 * ```
 * @throws Error naming the file when it cannot be read or is not JSON; ReferenceProfileError for a bad profile.
 */
export async function readReference(path: string): Promise<ReferenceProfile | undefined> {
  let json: unknown;
  try {
    const info = await stat(path);
    if (info.size > MAX_MODEL_BYTES)
      throw new Error(`is ${info.size} bytes; a model file is at most ${MAX_MODEL_BYTES}`);
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    const reason = e instanceof SyntaxError ? `not a JSON file: ${errorMessage(e)}` : fsReason(e);
    throw new Error(`${path}: cannot read the model file's reference: ${reason}`, { cause: e });
  }
  const reference =
    typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>).reference
      : undefined;
  return reference === undefined ? undefined : parseReferenceProfile(reference, path);
}
