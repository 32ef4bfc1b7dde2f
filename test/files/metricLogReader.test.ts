import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatMetricRow, METRIC_CSV_HEADER } from '../../src/core/metricCsv.js';
import type { MetricRecord } from '../../src/core/metricsBody.js';
import { createMetricLogReader } from '../../src/files/metricLogReader.js';

const HEADER = `${METRIC_CSV_HEADER}\n`;
const row = (id: MetricRecord['id'], error: number): string =>
  formatMetricRow({ id, y_true: 100, y_pred: 100 + error, absolute_error: error });

// The plotter's tests (test/services/plot.test.ts) cover the rest of the reader through it: partial lines,
// truncation, replacement, malformed and overlong rows.
describe('metric log reader', () => {
  let root: string;
  let n = 0;
  /** A fresh directory per test, with the path of its log. */
  const files = async (): Promise<{ csvFile: string }> => {
    const dir = join(root, `t${n++}`);
    await mkdir(dir);
    return { csvFile: join(dir, 'metric_log.csv') };
  };
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'metric-log-reader-test-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('decodes UTF-8 characters split between reads', async () => {
    const { csvFile } = await files();
    const reader = createMetricLogReader(csvFile);
    const bytes = Buffer.from(HEADER + row('ключ-😀', 1));
    const cut = bytes.indexOf(Buffer.from('😀')) + 2; // inside the 4-byte sequence
    await writeFile(csvFile, bytes.subarray(0, cut));
    assert.deepEqual((await reader.read()).records, []);
    await appendFile(csvFile, bytes.subarray(cut));
    assert.deepEqual((await reader.read()).records, [
      { id: 'ключ-😀', y_true: 100, y_pred: 101, absolute_error: 1 },
    ]);
  });

  it('decodes rows split across many small reads (maxBytes)', async () => {
    const { csvFile } = await files();
    const reader = createMetricLogReader(csvFile, 7);
    const ids = ['é', 'Ω', '"q,"', 'line\nbreak', '17', 17];
    await writeFile(csvFile, HEADER + ids.map((id, i) => row(id, i)).join(''));
    const records: MetricRecord[] = [];
    for (let i = 0; i < 100 && reader.offset < (await readFile(csvFile)).length; i++)
      records.push(...(await reader.read()).records);
    assert.deepEqual(
      records.map((r) => r.id),
      ids,
    );
  });
});
