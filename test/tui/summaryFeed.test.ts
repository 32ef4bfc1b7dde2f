/** The metric's summary and alerts reaching the dashboard: over a transport, and from the file next to the log. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ALERTS, SUMMARY } from '../../src/core/topics.js';
import { MemoryTransport } from '../../src/transports/memory/memoryTransport.js';
import { csvFeed, transportFeed, type FeedEvent } from '../../src/tui/feeds.js';
import { parseSummary, summaryFileEvents, summaryFileFor } from '../../src/tui/summaryFile.js';
import { until } from '../../harness/poll.js';
import { tempDir } from '../support/tempDir.js';
import { alertEvent, summaryOf } from '../support/summaries.js';

const kinds = (events: readonly FeedEvent[], kind: FeedEvent['kind']): FeedEvent[] =>
  events.filter((e) => e.kind === kind);

describe('transportFeed, `summary` and `alerts`', () => {
  it('gives the summaries and alert changes, and counts bad ones as malformed with the reason', async () => {
    const transport = new MemoryTransport();
    const events: FeedEvent[] = [];
    const sub = transportFeed(transport).events$.subscribe((e) => events.push(e));
    try {
      await transport.publish(SUMMARY, { id: 's1', body: summaryOf({ n: 7 }) });
      await transport.publish(SUMMARY, { id: 's2', body: { ...summaryOf(), n: -1 } });
      await transport.publish(ALERTS, { id: 'a1', body: alertEvent('psi.bmi > 0.2', 'firing', 5) });
      await transport.publish(ALERTS, { id: 'a2', body: { ...alertEvent('x', 'firing'), state: 'maybe' } });
      await until(() => events.filter((e) => e.kind !== 'state').length >= 4, 'four events');
      assert.deepEqual(kinds(events, 'summary'), [{ kind: 'summary', summary: summaryOf({ n: 7 }) }]);
      assert.deepEqual(kinds(events, 'alert'), [
        { kind: 'alert', alert: alertEvent('psi.bmi > 0.2', 'firing', 5) },
      ]);
      const reasons = kinds(events, 'malformed').map((e) => (e.kind === 'malformed' ? e.reason : ''));
      assert.equal(reasons.length, 2);
      assert.match(reasons[0]!, /^summary: .*body\.n/);
      assert.match(reasons[1]!, /^alerts: .*state/);
    } finally {
      sub.unsubscribe();
      await transport.close();
    }
  });
});

describe('the summary file', () => {
  const folder = tempDir('summary-file-');

  it('lies next to the metric log', () => {
    assert.equal(summaryFileFor('/a/b/metric_log.csv'), '/a/b/metric_summary.json');
  });

  it('is read when it changes: missing (no figures, no error), valid, bad (one problem), replaced', async () => {
    const file = join(folder(), 'metric_summary.json');
    const events: FeedEvent[] = [];
    const sub = summaryFileEvents(file, 20).subscribe((e) => events.push(e));
    try {
      await until(() => events.length === 1, 'the first look');
      assert.deepEqual(events, [{ kind: 'summary', summary: undefined }]);

      // Written the way the metric writes it: whole, then renamed over the old one.
      const write = async (text: string): Promise<void> => {
        await writeFile(`${file}.tmp`, text);
        await rename(`${file}.tmp`, file);
      };
      await write(JSON.stringify(summaryOf({ n: 12 })));
      await until(() => events.length === 2, 'the summary');
      assert.deepEqual(events[1], { kind: 'summary', summary: summaryOf({ n: 12 }) });

      await write('{"updated": "not a summary"');
      await until(() => events.length === 3, 'the bad file');
      assert.equal(events[2]!.kind, 'malformed');
      assert.match((events[2] as { reason: string }).reason, /metric_summary\.json: not JSON/);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(events.length, 3, 'an unchanged bad file is one problem, not one per look');

      await write(JSON.stringify(summaryOf({ n: 13 })));
      await until(() => events.length === 4, 'the next summary');
      assert.equal((events[3] as { summary: { n: number } }).summary.n, 13);

      await rm(file);
      await until(() => events.length === 5, 'the file gone');
      assert.deepEqual(events[4], { kind: 'summary', summary: undefined });
    } finally {
      sub.unsubscribe();
    }
  });

  it('is followed by csvFeed beside the log', async () => {
    const csv = join(folder(), 'metric_log.csv');
    await writeFile(csv, 'id,y_true,y_pred,absolute_error\na,1,2,1\n');
    await writeFile(summaryFileFor(csv), JSON.stringify(summaryOf({ n: 1 })));
    const events: FeedEvent[] = [];
    const sub = csvFeed(csv, 20, summaryFileFor(csv)).events$.subscribe((e) => events.push(e));
    try {
      await until(() => kinds(events, 'summary').length > 0 && kinds(events, 'record').length > 0, 'both');
      assert.deepEqual(kinds(events, 'summary'), [{ kind: 'summary', summary: summaryOf({ n: 1 }) }]);
    } finally {
      sub.unsubscribe();
    }
  });

  it('parses a summary, or says why not', () => {
    assert.deepEqual(parseSummary(JSON.stringify(summaryOf())), { ok: true, value: summaryOf() });
    const bad = parseSummary('{"updated":"2025-01-01T00:00:00Z"}');
    assert.equal(bad.ok, false);
  });
});
