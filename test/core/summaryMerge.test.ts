/**
 * The summary over metric partitions, pure: quality as given, drift of the latest partition summary, the union of
 * the partitions' firing alerts tagged with their partition; and the summary validator's optional fields.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchQuality } from '../../src/core/batchQuality.js';
import { MAX_SUMMARY_ENTRIES, summaryBody, type SummaryBody } from '../../src/core/summaryBody.js';
import { mergeSummaries, NO_PARTITION_DRIFT, type PartitionSummary } from '../../src/core/summaryMerge.js';
import { firing, summaryOf } from '../support/summaries.js';

const at = (iso: string, summary: SummaryBody): SummaryBody => ({ ...summary, updated: iso });
const quality = batchQuality([100, 200, 300], [110, 190, 330], 2);
const NOW = Date.parse('2026-12-04T12:00:00.000Z');

describe('mergeSummaries', () => {
  it('takes the quality as given, with the time and the number of partition logs', () => {
    const merged = mergeSummaries({ quality, partitions: 3, summaries: [], nowMs: NOW });
    assert.equal(merged.updated, '2026-12-04T12:00:00.000Z');
    assert.equal(merged.n, 3);
    assert.deepEqual(merged.all, quality.all);
    assert.deepEqual(merged.window, quality.window);
    assert.equal(merged.partitions, 3);
  });

  it('unites the partitions’ firing alerts, each tagged with its partition, by partition', () => {
    const summaries: PartitionSummary[] = [
      { partition: 2, summary: summaryOf({ alerts: [firing('psi.bmi > 0.2', 1.9)] }) },
      {
        partition: 0,
        summary: summaryOf({ alerts: [firing('window.mae > 60', 61), firing('psi.bmi > 0.2', 2)] }),
      },
      { partition: 1, summary: summaryOf({ alerts: [] }) },
    ];
    const merged = mergeSummaries({ quality, partitions: 3, summaries, nowMs: NOW });
    assert.deepEqual(merged.alerts, [
      { ...firing('window.mae > 60', 61), partition: 0 },
      { ...firing('psi.bmi > 0.2', 2), partition: 0 },
      { ...firing('psi.bmi > 0.2', 1.9), partition: 2 },
    ]);
  });

  it('lists at most as many alerts as a summary may hold', () => {
    const many = Array.from({ length: 600 }, (_, i) => firing(`window.mae > ${i}`));
    const summaries = [0, 1].map((partition) => ({ partition, summary: summaryOf({ alerts: many }) }));
    const merged = mergeSummaries({ quality, partitions: 2, summaries, nowMs: NOW });
    assert.equal(merged.alerts.length, MAX_SUMMARY_ENTRIES);
    assert.ok(summaryBody(JSON.parse(JSON.stringify(merged))).ok);
  });

  it('takes the drift of the most recently updated partition summary; of two at once, the lower partition’s', () => {
    const drift = (bmi: number): SummaryBody => summaryOf({ psi: { bmi } });
    const summaries: PartitionSummary[] = [
      { partition: 0, summary: at('2026-12-04T11:59:58.000Z', drift(0.1)) },
      { partition: 1, summary: at('2026-12-04T11:59:59.500Z', drift(0.3)) },
      { partition: 2, summary: at('2026-12-04T11:59:59.000Z', drift(0.2)) },
    ];
    const merged = mergeSummaries({ quality, partitions: 3, summaries, nowMs: NOW });
    assert.deepEqual(merged.drift.psi, { bmi: 0.3 });

    const tied = [
      { partition: 2, summary: at('2026-12-04T11:59:59.000Z', drift(0.2)) },
      { partition: 1, summary: at('2026-12-04T11:59:59.000Z', drift(0.4)) },
    ];
    assert.deepEqual(mergeSummaries({ quality, partitions: 3, summaries: tied, nowMs: NOW }).drift.psi, {
      bmi: 0.4,
    });
  });

  it('says drift is unknown when no partition summary could be read', () => {
    const merged = mergeSummaries({ quality, partitions: 2, summaries: [], nowMs: NOW });
    assert.deepEqual(merged.drift, NO_PARTITION_DRIFT);
    assert.deepEqual(merged.alerts, []);
  });

  it('makes a valid summary, which the validator passes with its partition fields', () => {
    const summaries = [{ partition: 1, summary: summaryOf({ alerts: [firing('psi.bmi > 0.2')] }) }];
    const merged = mergeSummaries({ quality, partitions: 2, summaries, nowMs: NOW });
    assert.deepEqual(summaryBody(JSON.parse(JSON.stringify(merged))), { ok: true, value: merged });
  });
});

describe('summaryBody and the partition fields', () => {
  it('refuses a partitions that is not a positive integer and an alert partition that is not a count', () => {
    assert.equal(summaryBody({ ...summaryOf(), partitions: 0 }).ok, false);
    assert.equal(summaryBody({ ...summaryOf(), partitions: 1.5 }).ok, false);
    const alert = { ...firing('psi.bmi > 0.2'), partition: -1 };
    assert.equal(summaryBody({ ...summaryOf(), alerts: [alert] }).ok, false);
  });

  it('leaves them out of a summary that has none', () => {
    const checked = summaryBody(JSON.parse(JSON.stringify(summaryOf())));
    assert.ok(checked.ok);
    assert.equal('partitions' in checked.value, false);
  });
});
