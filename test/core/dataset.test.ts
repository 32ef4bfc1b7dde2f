import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DatasetError, parseDataset } from '../../src/core/dataset.js';

/** Asserts that parsing fails with a DatasetError whose message matches every pattern, and returns it. */
function rejects(csv: string, target: string, ...patterns: RegExp[]): DatasetError {
  let caught: unknown;
  try {
    parseDataset(csv, target, 'test.csv');
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof DatasetError, `expected a DatasetError, got ${String(caught)}`);
  assert.equal(caught.source, 'test.csv');
  assert.match(caught.message, /^test\.csv/);
  for (const p of patterns) assert.match(caught.message, p);
  return caught;
}

describe('parseDataset', () => {
  it('splits features from the target, in file order, wherever the target column sits', () => {
    const ds = parseDataset('a,y,b\n1,2,3\n4,5,6\n', 'y');
    assert.deepEqual(ds.featureNames, ['a', 'b']);
    assert.equal(ds.target, 'y');
    assert.deepEqual(ds.X, [
      [1, 3],
      [4, 6],
    ]);
    assert.deepEqual(ds.y, [2, 5]);
  });

  it('accepts \\r\\n line ends, a byte order mark, spaces around cells and trailing blank lines', () => {
    const ds = parseDataset('\uFEFFa , y\r\n 1.5 ,-2e-3\r\n+3,.25\r\n\r\n\r\n', 'y');
    assert.deepEqual(ds.featureNames, ['a']);
    assert.deepEqual(ds.X, [[1.5], [3]]);
    assert.deepEqual(ds.y, [-0.002, 0.25]);
  });

  it('keeps full float64 precision', () => {
    const cells = ['0.038075906433423026', '-0.0018820165277906047', '1.7976931348623157e308', '5e-324'];
    const ds = parseDataset(`x,y\n${cells.map((c) => `${c},0`).join('\n')}\n`, 'y');
    assert.deepEqual(
      ds.X.map((r) => r[0]),
      [0.038075906433423026, -0.0018820165277906047, Number.MAX_VALUE, Number.MIN_VALUE],
    );
  });

  it('reads the shipped diabetes data set whole', () => {
    const ds = parseDataset(readFileSync('data/diabetes.csv', 'utf8'), 'target', 'data/diabetes.csv');
    assert.deepEqual(ds.featureNames, ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6']);
    assert.equal(ds.X.length, 442);
    assert.equal(ds.y.length, 442);
    assert.ok(ds.X.every((r) => r.length === 10));
    assert.equal(ds.X[0]?.[0], 0.038075906433423026);
    assert.equal(ds.y[0], 151);
    // Each scaled column has a sum of squares of 1 (data/README.md).
    for (let j = 0; j < 10; j++) {
      const ss = ds.X.reduce((s, r) => s + (r[j] ?? 0) ** 2, 0);
      assert.ok(Math.abs(ss - 1) < 1e-12, `column ${j}: ${ss}`);
    }
  });

  it('refuses a missing target column and lists the columns', () => {
    const e = rejects('a,b,c\n1,2,3\n', 'target', /no target column "target"/, /"a", "b", "c"/);
    assert.equal(e.line, 1);
  });

  it('refuses a file with only the target column', () => {
    rejects('y\n1\n2\n', 'y', /no feature column/);
  });

  it('refuses an empty file and a header without rows', () => {
    rejects('', 'y', /empty/);
    rejects('\n\n', 'y', /empty/);
    rejects('a,y\n', 'y', /no data rows/);
    rejects('a,y\r\n\r\n', 'y', /no data rows/);
  });

  it('refuses a duplicate or empty column name', () => {
    rejects('a,a,y\n1,2,3\n', 'y', /"a" appears twice/);
    rejects('a,,y\n1,2,3\n', 'y', /column 2 of the header has no name/);
  });

  it('names line, row and column of a cell that is not a number', () => {
    const e = rejects('a,b,y\n1,2,3\n4,abc,6\n', 'y', /line 3/, /row 2/, /column "b"/, /"abc", not a number/);
    assert.equal(e.line, 3);
  });

  it('refuses empty, NaN, infinite, overflowing and non-decimal cells', () => {
    rejects('a,y\n1,\n', 'y', /line 2/, /column "y"/, /is empty/);
    rejects('a,y\n ,1\n', 'y', /column "a"/, /is empty/);
    rejects('a,y\n1,2\n,\n', 'y', /line 3/, /row 2, column "a"/, /is empty/);
    rejects('a,y\nNaN,1\n', 'y', /NaN, not a finite number/);
    rejects('a,y\n1,-Infinity\n', 'y', /-Infinity, not a finite number/);
    rejects('a,y\ninf,1\n', 'y', /inf, not a finite number/);
    rejects('a,y\n1e400,1\n', 'y', /out of the range/);
    rejects('a,y\n0x1A,1\n', 'y', /"0x1A", not a number/);
    rejects('a,y\n1.2.3,1\n', 'y', /not a number/);
  });

  it('refuses ragged rows', () => {
    rejects('a,b,y\n1,2,3\n1,2\n', 'y', /line 3/, /row 2 has 2 cells; the header has 3 columns/);
    rejects('a,b,y\n1,2,3,4\n', 'y', /line 2/, /row 1 has 4 cells/);
  });

  it('counts lines across blank lines and \\r\\n', () => {
    const e = rejects('a,y\r\n1,2\r\n\r\n\r\n3,x\r\n', 'y', /row 2/);
    assert.equal(e.line, 5);
  });

  it('counts a quoted line break as a line', () => {
    const e = rejects('a,y\n"1\n",2\n3,x\n', 'y');
    assert.equal(e.line, 4);
  });

  it('refuses broken quoting', () => {
    rejects('a,y\n1,2\n"3,4\n', 'y', /line 3/, /malformed CSV/);
  });
});
