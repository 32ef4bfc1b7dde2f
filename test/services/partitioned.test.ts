/**
 * The services with several metric partitions, over the in-memory transport: features and model route each
 * target and prediction to the partition of its id, and each metric logs exactly the ids of its partition.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, merge, toArray } from 'rxjs';
import { createLinearModel } from '../../src/core/linearModel.js';
import { partitionOf } from '../../src/core/partitions.js';
import { CsvAppender } from '../../src/files/csvAppender.js';
import { featuresService } from '../../src/services/features.js';
import { metricService } from '../../src/services/metric.js';
import { modelService } from '../../src/services/model.js';
import { MemoryTransport } from '../../src/transports/memory/memoryTransport.js';
import { until } from '../../harness/poll.js';

const model = createLinearModel({ target: 'y', features: ['a', 'b'], intercept: 0, coefficients: [1, 1] });
const rows = {
  X: [
    [1, 2],
    [3, 4],
    [5, 6],
  ],
  y: [3, 7, 11],
};
const PARTITIONS = 3;
const RECORDS = 600;

const idsOf = async (file: string): Promise<string[]> =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => l.split(',')[0] as string);

describe('partitioned services', () => {
  it('logs every id once, in the log of its partition', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'partitioned-'));
    const t = new MemoryTransport();
    const stop = new AbortController();
    try {
      const files = Array.from({ length: PARTITIONS }, (_, p) => join(dir, `metric_log.${p}.csv`));
      const csvs = await Promise.all(files.map((f) => CsvAppender.open(f, { fsync: false })));
      const consumers = lastValueFrom(
        merge(
          modelService(t, model, { signal: stop.signal, partitions: PARTITIONS }),
          ...csvs.map((csv, index) =>
            metricService(t, csv, { signal: stop.signal, partition: { index, count: PARTITIONS } }),
          ),
        ).pipe(toArray()),
      );
      await lastValueFrom(
        featuresService(t, rows, { intervalMs: 0, count: RECORDS, runId: 'part', partitions: PARTITIONS }),
        { defaultValue: undefined },
      );
      let joined = 0;
      await until(
        async () => {
          joined = (await Promise.all(files.map(idsOf))).flat().length;
          return joined >= RECORDS;
        },
        `${RECORDS} rows`,
        { timeoutMs: 20_000, intervalMs: 50 },
      );
      stop.abort();
      await consumers;
      await Promise.all(csvs.map((c) => c.close()));

      const seen = new Set<string>();
      for (const [p, file] of files.entries()) {
        const ids = await idsOf(file);
        assert.ok(ids.length > RECORDS / PARTITIONS / 2, `partition ${p} has only ${ids.length} rows`);
        for (const id of ids) {
          assert.equal(partitionOf(id, PARTITIONS), p, `${id} in the log of partition ${p}`);
          assert.ok(!seen.has(id), `${id} logged twice`);
          seen.add(id);
        }
      }
      assert.equal(seen.size, RECORDS);
    } finally {
      stop.abort();
      await t.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
