import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetError } from '../../src/core/dataset.js';
import { LinearModelError } from '../../src/core/linearModel.js';
import { OlsError } from '../../src/core/ols.js';
import { buildReferenceProfile } from '../../src/core/referenceProfile.js';
import { readDataset } from '../../src/files/readDataset.js';
import { readModel } from '../../src/files/readModel.js';
import { ModelFileExistsError, train } from '../../src/services/train.js';

const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
const FIXED_NOW = new Date('2024-05-01T12:00:00.000Z');

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rx-ml-train-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Asserts that `promise` rejects with `type`, a message naming `path`, matching `pattern`, and no stack in it. */
async function rejectsWith(
  promise: Promise<unknown>,
  type: typeof DatasetError | typeof LinearModelError | typeof OlsError | typeof ModelFileExistsError,
  path: string | undefined,
  pattern: RegExp,
): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    if (path !== undefined) assert.ok(e.message.includes(path), e.message);
    assert.match(e.message, pattern);
    assert.doesNotMatch(e.message, /\n\s+at /);
    return true;
  });
}

describe('train', () => {
  it('fits the diabetes data set and writes a valid, pretty model file', async () => {
    const out = join(dir, 'nested', 'model.json');
    const r = await train({ dataset: 'data/diabetes.csv', target: 'target', out, now: () => FIXED_NOW });
    assert.equal(r.out, out);
    assert.equal(r.rows, 442);
    assert.deepEqual(r.features, ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6']);
    assert.equal(r.mae.toFixed(2), '43.28');
    assert.equal(r.rmse.toFixed(2), '53.48');
    assert.equal(r.r2.toFixed(3), '0.518');
    assert.ok(r.conditionNumber > 1 && r.conditionNumber < 1e3);

    const text = await readFile(out, 'utf8');
    assert.ok(text.endsWith('}\n') && !text.endsWith('\n\n'));
    assert.equal(text, `${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    const model = await readModel(out);
    assert.deepEqual(model.toJSON(), r.model.toJSON());
    assert.equal(model.file.training?.dataset, 'data/diabetes.csv');
    assert.equal(model.file.training?.trainedAt, FIXED_NOW.toISOString());
    assert.equal(model.file.training?.rows, 442);
    assert.equal(model.file.training?.mae, r.mae);
    // Nothing but the model is left behind.
    assert.deepEqual(await readdir(join(dir, 'nested')), ['model.json']);
  });

  it('writes predictions that match the fit on every row', async () => {
    const out = join(dir, 'check.json');
    const r = await train({ dataset: 'data/diabetes.csv', target: 'target', out });
    const ds = await readDataset('data/diabetes.csv', 'target');
    const model = await readModel(out);
    ds.X.forEach((x, i) => {
      const byHand = r.model.intercept + x.reduce((s, v, j) => s + v * r.model.coefficients[j]!, 0);
      assert.ok(relErr(model.predict(x), byHand) < 1e-12, `row ${i}`);
    });
  });

  it('stores the training data’s reference profile, for drift', async () => {
    const out = join(dir, 'reference.json');
    const r = await train({ dataset: 'data/diabetes.csv', target: 'target', out });
    const model = await readModel(out);
    const expected = buildReferenceProfile(await readDataset('data/diabetes.csv', 'target'), model);
    assert.deepEqual(model.reference, expected);
    assert.deepEqual(r.model.reference, expected);
    assert.equal(model.reference?.mae, r.mae);
    assert.deepEqual(Object.keys(expected.features), r.features);
  });

  it('replaces an existing model file', async () => {
    const out = join(dir, 'replace.json');
    await writeFile(out, 'old');
    await train({ dataset: 'data/diabetes.csv', target: 'target', out });
    await readModel(out);
  });

  it('with overwrite: false, keeps an existing file and writes a new one', async () => {
    const out = join(dir, 'keep.json');
    await writeFile(out, 'old');
    await rejectsWith(
      train({ dataset: 'data/diabetes.csv', target: 'target', out, overwrite: false }),
      ModelFileExistsError,
      out,
      /already exists/,
    );
    assert.equal(await readFile(out, 'utf8'), 'old');
    const fresh = join(dir, 'fresh-no-overwrite.json');
    await train({ dataset: 'data/diabetes.csv', target: 'target', out: fresh, overwrite: false });
    await readModel(fresh);
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.endsWith('.tmp')),
      [],
      'the temporary file is gone',
    );
  });

  it('writes nothing when the data set is bad or cannot be fitted', async () => {
    const missingTarget = join(dir, 'none.json');
    await rejectsWith(
      train({ dataset: 'data/diabetes.csv', target: 'progression', out: missingTarget }),
      DatasetError,
      'data/diabetes.csv',
      /no target column "progression"/,
    );
    const collinear = join(dir, 'collinear.csv');
    await writeFile(collinear, 'a,b,y\n1,2,1\n2,4,3\n3,6,2\n4,8,5\n');
    const out = join(dir, 'collinear.json');
    await rejectsWith(
      train({ dataset: collinear, target: 'y', out }),
      OlsError,
      undefined,
      /"b" is a linear combination/,
    );
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, '');
    await rejectsWith(
      train({ dataset: 'data/diabetes.csv', target: 'target', out: join(blocker, 'model.json') }),
      LinearModelError,
      join(blocker, 'model.json'),
      /cannot write the model file/,
    );
    const left = await readdir(dir);
    assert.ok(!left.includes('none.json') && !left.includes('collinear.json'), left.join(' '));
  });
});

describe('the shipped models/diabetes-linear.json', () => {
  it('agrees with a fresh fit of data/diabetes.csv to 1e-9 relative', async () => {
    const shipped = await readModel('models/diabetes-linear.json');
    const fresh = (
      await train({ dataset: 'data/diabetes.csv', target: 'target', out: join(dir, 'fresh.json') })
    ).model;
    assert.deepEqual(shipped.features, fresh.features);
    assert.equal(shipped.target, 'target');
    assert.ok(relErr(shipped.intercept, fresh.intercept) < 1e-9);
    fresh.coefficients.forEach((c, j) => assert.ok(relErr(shipped.coefficients[j]!, c) < 1e-9, `${j}`));
    const [t, f] = [shipped.file.training, fresh.file.training];
    assert.ok(t && f);
    assert.equal(t.dataset, 'data/diabetes.csv');
    assert.equal(t.rows, 442);
    for (const k of ['mae', 'rmse', 'r2'] as const) assert.ok(relErr(t[k], f[k]) < 1e-9, k);
  });
});

describe('readDataset', () => {
  it('reads a data set', async () => {
    const ds = await readDataset('data/diabetes-raw.csv', 'target');
    assert.equal(ds.y.length, 442);
    assert.deepEqual(ds.X[0], [59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87]);
  });

  it('says clearly when the file is missing, a directory or unreadable', async () => {
    const missing = join(dir, 'missing.csv');
    await rejectsWith(
      readDataset(missing, 'y'),
      DatasetError,
      missing,
      /cannot read the data set: no such file/,
    );
    await rejectsWith(readDataset(dir, 'y'), DatasetError, dir, /is a directory/);
    const locked = join(dir, 'locked.csv');
    await writeFile(locked, 'a,y\n1,2\n');
    await chmod(locked, 0o000);
    // root reads any file: only check the refusal when permissions apply.
    const readable = await readFile(locked).then(
      () => true,
      () => false,
    );
    if (!readable) await rejectsWith(readDataset(locked, 'y'), DatasetError, locked, /permission denied/);
    await chmod(locked, 0o600);
  });

  it('names the file and line of a parse error', async () => {
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'a,y\n1,2\nx,3\n');
    await rejectsWith(readDataset(bad, 'y'), DatasetError, `${bad}, line 3`, /column "a"/);
  });
});

describe('readModel', () => {
  it('says clearly when the file is missing, a directory, not JSON or not a model', async () => {
    const missing = join(dir, 'missing.json');
    await rejectsWith(
      readModel(missing),
      LinearModelError,
      missing,
      /cannot read the model file: no such file/,
    );
    const sub = join(dir, 'model-dir');
    await mkdir(sub, { recursive: true });
    await rejectsWith(readModel(sub), LinearModelError, sub, /is a directory/);
    const notJson = join(dir, 'pickle.pkl');
    await writeFile(notJson, Buffer.from([0x80, 0x04, 0x95, 0x00, 0x63]));
    await rejectsWith(readModel(notJson), LinearModelError, notJson, /not a JSON file/);
    const wrong = join(dir, 'wrong.json');
    await writeFile(wrong, '{"format":"rx-ml-pipeline/linear-model","version":1}');
    await rejectsWith(readModel(wrong), LinearModelError, wrong, /"target" must be a non-empty string/);
  });
});
