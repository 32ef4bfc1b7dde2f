/** The metric log appender: header rules, never erasing a row, crash recovery, group commit and rollback. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idKey } from '../../src/core/envelope.js';
import { formatMetricRow, METRIC_CSV_HEADER } from '../../src/core/metricCsv.js';
import { CsvAppender, CsvFormatError } from '../../src/files/csvAppender.js';

const HEADER = 'id,y_true,y_pred,absolute_error\n';
const row = (id: string | number, yTrue = 100, yPred = 90.5): string =>
  formatMetricRow({ id, y_true: yTrue, y_pred: yPred, absolute_error: Math.abs(yTrue - yPred) });

/**
 * Runs `body` with this process's file size limit (soft RLIMIT_FSIZE) set to `bytes`, through util-linux's
 * `prlimit`: a write past it fails with EFBIG (Node ignores SIGXFSZ), after writing what fits. The soft limit
 * is restored whatever happens; the hard limit is never touched, so restoring it needs no privilege.
 */
async function withFileSizeLimit<T>(bytes: number, body: () => Promise<T>): Promise<T> {
  const pid = String(process.pid);
  const soft = execFileSync('prlimit', ['--pid', pid, '--fsize', '--raw', '--noheadings', '--output=SOFT'])
    .toString()
    .trim();
  execFileSync('prlimit', ['--pid', pid, `--fsize=${bytes}:`]);
  try {
    return await body();
  } finally {
    execFileSync('prlimit', ['--pid', pid, `--fsize=${soft}:`]);
  }
}

describe('CsvAppender', () => {
  let root: string;
  let n = 0;
  const fresh = (): string => join(root, `t${n++}`, 'logs', 'metric_log.csv');
  const content = (path: string): Promise<string> => readFile(path, 'utf8');
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'csv-appender-test-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates the folder and writes exactly the header to a new file', async () => {
    assert.equal(`${METRIC_CSV_HEADER}\n`, HEADER);
    const path = fresh();
    const csv = await CsvAppender.open(path, { fsync: false });
    assert.equal(await content(path), HEADER);
    assert.equal(csv.existingKeys.size, 0);
    assert.equal(csv.tailRows, 0);
    await csv.append(row('a-1'));
    await csv.close();
    assert.equal(await content(path), `${HEADER}a-1,100,90.5,9.5\n`);
  });

  it('writes the header to an existing empty file', async () => {
    const path = join(root, `empty-${n++}.csv`);
    await writeFile(path, '');
    await (await CsvAppender.open(path)).close();
    assert.equal(await content(path), HEADER);
  });

  it('appends on reopening and never erases or repeats the header', async () => {
    const path = fresh();
    const first = await CsvAppender.open(path);
    await first.append(row('r-1') + row('r-2'));
    await first.close();
    const second = await CsvAppender.open(path);
    assert.equal(second.tailRows, 2);
    await second.append(row('r-3'));
    await second.close();
    await (await CsvAppender.open(path)).close(); // opening alone changes nothing
    assert.equal(await content(path), HEADER + row('r-1') + row('r-2') + row('r-3'));
  });

  it('cuts a partial last line left by a crash in the middle of a write', async () => {
    const path = join(root, `partial-${n++}.csv`);
    await writeFile(path, `${HEADER}${row('ok-1')}ok-2,100,9`);
    const csv = await CsvAppender.open(path);
    assert.equal(await content(path), HEADER + row('ok-1'));
    assert.equal(csv.tailRows, 1);
    assert.ok(!csv.existingKeys.has(idKey('ok-2')), 'the cut row is not logged');
    await csv.append(row('ok-2'));
    await csv.close();
    assert.equal(await content(path), HEADER + row('ok-1') + row('ok-2'));
  });

  it('completes a header cut short by a crash', async () => {
    const path = join(root, `half-header-${n++}.csv`);
    await writeFile(path, 'id,y_tr');
    await (await CsvAppender.open(path)).close();
    assert.equal(await content(path), HEADER);
  });

  it('knows the logged ids, each of its kind: 17 and "17" are different records', async () => {
    const path = join(root, `keys-${n++}.csv`);
    const float = 1669147134.196809;
    await writeFile(path, HEADER + row(17) + row('17') + row(float) + row('run-3') + row('a,"b"'));
    const csv = await CsvAppender.open(path);
    await csv.close();
    const keys = csv.existingKeys;
    for (const k of [idKey(17), idKey('17'), idKey(float), idKey('run-3'), idKey('a,"b"')])
      assert.ok(keys.has(k), `has ${k}`);
    assert.ok(!keys.has(idKey('18')) && !keys.has(idKey(18)) && !keys.has(idKey(String(float))));
    assert.equal(keys.size, 5);
    assert.equal(csv.tailRows, 5);
  });

  it('reads a log written with CRLF line endings (papaparse) and keeps appending to it', async () => {
    const path = join(root, `crlf-${n++}.csv`);
    await writeFile(path, 'id,y_true,y_pred,absolute_error\r\n5,1,2,1\r\n');
    const csv = await CsvAppender.open(path);
    assert.ok(csv.existingKeys.has(idKey(5)));
    await csv.append(row(6));
    await csv.close();
    assert.equal(await content(path), `id,y_true,y_pred,absolute_error\r\n5,1,2,1\r\n${row(6)}`);
  });

  it('refuses a file that is not a metric log, with a clear error, and leaves it untouched', async () => {
    const cases = [
      'a,b,c\n1,2,3\n',
      'id, y_true, y_pred, absolute_error\n1,2,3,1\n',
      'my notes, no line feed',
    ];
    for (const text of cases) {
      const path = join(root, `foreign-${n++}.csv`);
      await writeFile(path, text);
      await assert.rejects(CsvAppender.open(path), (e: unknown) => {
        assert.ok(e instanceof CsvFormatError, String(e));
        assert.ok(e.message.includes(path), e.message);
        assert.ok(e.message.includes(METRIC_CSV_HEADER), e.message);
        return true;
      });
      assert.equal(await content(path), text);
    }
  });

  it('writes concurrent appends whole, in the order they were handed over and resolved', async () => {
    const path = fresh();
    const csv = await CsvAppender.open(path);
    const resolved: number[] = [];
    const rows = Array.from({ length: 60 }, (_, i) => row(`c-${i}`, i, i / 3));
    await Promise.all(rows.map((r, i) => csv.append(r).then(() => resolved.push(i))));
    await csv.close();
    assert.deepEqual(
      resolved,
      rows.map((_, i) => i),
    );
    assert.equal(await content(path), HEADER + rows.join(''));
  });

  it('rolls back a failed write, rejects its rows, and writes again once the disk recovers', async () => {
    const path = fresh();
    const csv = await CsvAppender.open(path, { fsync: false });
    await csv.append(row('before'));
    const good = (await stat(path)).size;
    const big = row(`big-${'x'.repeat(200)}`);
    // Room for a few bytes only: the write lands partly, then fails with EFBIG.
    const outcomes = await withFileSizeLimit(good + 10, async () => {
      const batch = [csv.append(big), csv.append(row('same-batch'))];
      return Promise.allSettled(batch);
    });
    for (const o of outcomes) {
      assert.equal(o.status, 'rejected');
      if (o.status === 'rejected') assert.match(String(o.reason), /EFBIG|too large/i);
    }
    assert.equal(await content(path), HEADER + row('before'), 'no half row left behind');
    await csv.append(row('after'));
    await csv.close();
    assert.equal(await content(path), HEADER + row('before') + row('after'));
  });

  it('waits for the rows handed over before closing, and refuses rows after', async () => {
    const path = fresh();
    const csv = await CsvAppender.open(path);
    const pending = csv.append(row('last'));
    await csv.close();
    await pending;
    assert.equal(await content(path), HEADER + row('last'));
    await assert.rejects(csv.append(row('late')), /closed/);
    await csv.close(); // idempotent
  });
});
