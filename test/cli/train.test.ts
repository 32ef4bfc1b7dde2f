/** `pipeline train` as a user runs it: it replaces an existing model file only when told to (--force). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../support/tempDir.js';
import { REPO_ROOT, runCli } from '../../harness/cli.js';
import { parseLinearModel } from '../../src/core/linearModel.js';

describe('pipeline train', () => {
  const dir = tempDir('pipeline-train-');

  it('writes a new model file', async () => {
    const out = join(dir(), 'new.json');
    const r = await runCli(['train', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(parseLinearModel(JSON.parse(await readFile(out, 'utf8'))).target, 'target');
  });

  it('refuses to replace an existing file without --force: exit 2, naming the file and --force', async () => {
    const out = join(dir(), 'kept.json');
    await writeFile(out, 'precious');
    const r = await runCli(['train', '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} already exists.*--force`),
    );
    assert.equal(await readFile(out, 'utf8'), 'precious');
    assert.deepEqual(
      await readdir(dir()).then((f) => f.filter((n) => n.startsWith('kept'))),
      ['kept.json'],
      'no temp file left',
    );
  });

  it('replaces it with --force, whole', async () => {
    const out = join(dir(), 'replaced.json');
    await writeFile(out, 'old');
    const r = await runCli(['train', '--out', out, '--force']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(parseLinearModel(JSON.parse(await readFile(out, 'utf8'))).features.length, 10);
  });

  it('leaves the shipped model alone by default, naming it as typed from here', async () => {
    const shipped = join(REPO_ROOT, 'models', 'diabetes-linear.json');
    const before = await readFile(shipped, 'utf8');
    try {
      const r = await runCli(['train'], { cwd: REPO_ROOT });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^pipeline: models\/diabetes-linear\.json already exists; add --force/m);
    } finally {
      // Should the refusal ever break, the checkout keeps its model.
      const after = await readFile(shipped, 'utf8');
      if (after !== before) await writeFile(shipped, before);
    }
  });
});
