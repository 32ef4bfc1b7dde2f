/** A temporary folder for the tests of one `describe`: made before the first, removed with its content after the last. */
import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Registers the hooks in the calling `describe`; the returned function gives the folder's path (inside a test). */
export function tempDir(prefix: string): () => string {
  let dir: string | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined) throw new Error('tempDir: the folder exists only while the tests run');
    return dir;
  };
}
