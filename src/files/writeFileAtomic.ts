/**
 * Replaces a file so that a reader (an image viewer, a web server) sees either the old content or the new, never
 * a half-written file.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * Writes `data` to `<path>.<pid>.<random>.tmp` in the same directory (a rename is atomic only within one file
 * system), then renames it over `path`. On failure the temporary file is removed and the error rethrown; `path`
 * is left as it was.
 *
 * The data is not fsync'ed: this protects readers from torn files, not the file from a power cut, which is
 * enough for outputs that are rewritten every few seconds anyway.
 *
 * @example
 * ```ts
 * await writeFileAtomic('logs/error_distribution.png', png);
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    await rename(tmp, path);
  } catch (e) {
    // The write's error is the one worth reporting; a failed clean-up must not replace it.
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}
