/**
 * The model watch on the metric service (memory transport, real files): the summary's figures are those of the
 * CSV, it is written at most once a second and once more at exit, and alerts fire and resolve once each.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAlertRules } from '../../src/core/alertRule.js';
import { alertEventBody, type AlertEventBody } from '../../src/core/summaryBody.js';
import { sleep, until } from '../../harness/poll.js';
import { diabetes, watchRig, type WatchRig } from '../support/watchRig.js';
import { assertSummaryOfRows, readMetricRows } from '../support/watchFiles.js';

const rigs: WatchRig[] = [];
after(async () => {
  for (const r of rigs) await rm(r.dir, { recursive: true, force: true });
});
const track = (r: WatchRig): WatchRig => (rigs.push(r), r);

/** The alert changes of an alerts file, each checked as the alerts topic's bodies are. */
async function readAlertEvents(file: string): Promise<AlertEventBody[]> {
  const lines = (await readFile(file, 'utf8')).trim().split('\n');
  return lines.map((l) => {
    const e = alertEventBody(JSON.parse(l));
    assert.ok(e.ok, l);
    return e.value;
  });
}

describe('watchModel', () => {
  it('summarises exactly the rows of the CSV: all of them and the last N', async () => {
    const { dataset, model } = diabetes();
    const rig = track(await watchRig({ rules: [], windowSize: 300 }));
    const n = 1000;
    for (let i = 0; i < n; i++) {
      const row = i % dataset.X.length;
      rig.send(`r-${i}`, dataset.y[row]!, model.predict(dataset.X[row]!));
    }
    await until(() => rig.joined() === n, 'every record joined');
    const summary = await rig.stop();

    const rows = await readMetricRows(join(rig.dir, 'metric_log.csv'));
    assert.equal(rows.length, n);
    assert.equal(summary.n, n, 'the exit summary comes after the last row');
    assert.equal(summary.window.n, 300);
    assertSummaryOfRows(summary, rows, 300);
    assert.deepEqual(summary.drift, {
      enabled: false,
      reason: 'no reference in the test',
      n: 0,
      sources: 0,
      psi: {},
    });
    assert.deepEqual(summary.alerts, []);
    assert.deepEqual(rig.summaries.at(-1)?.body, summary, 'the file is what was broadcast last');
  });

  it('writes the summary at most once a second while records come, and once more at exit', async () => {
    const rig = track(await watchRig({ rules: [] }));
    const started = performance.now();
    let i = 0;
    while (performance.now() - started < 2600) {
      rig.send(`s-${i}`, 100 + (i % 7), 100);
      i++;
      await sleep(20);
    }
    await until(() => rig.joined() === i, 'every record joined');
    const summary = await rig.stop();
    const times = rig.summaries.map((s) => s.at);
    assert.ok(times.length >= 3 && times.length <= 5, `3 to 5 summaries in 2.6 s, got ${times.length}`);
    // Every gap but the last (the summary at exit) is a second or more; timers may fire a millisecond early.
    for (let k = 1; k < times.length - 1; k++)
      assert.ok(times[k]! - times[k - 1]! >= 990, `gap ${k}: ${(times[k]! - times[k - 1]!).toFixed(0)} ms`);
    assert.equal(summary.n, i);
    assert.equal(rig.summaries.at(-1)?.body.n, i);
    assert.ok(rig.summaries[0]!.body.n < i, 'the first summary came while records were still coming');
  });

  it('reports each alert change once: log line, alerts.jsonl line, alerts message; firing ones stay in the summary', async () => {
    const rules = parseAlertRules('window.mae > 50; all.mae > 10');
    const rig = track(await watchRig({ rules, windowSize: 100 }));
    // 200 records off by 100, then 300 exact ones: the window recovers, the all-time MAE stays at 40.
    for (let i = 0; i < 500; i++) rig.send(`a-${i}`, i, i < 200 ? i + 100 : i);
    await until(() => rig.joined() === 500, 'every record joined');
    const summary = await rig.stop();

    const events = await readAlertEvents(rig.alertsFile);
    assert.deepEqual(
      events.map((e) => `${e.rule} ${e.state}`),
      ['window.mae > 50 firing', 'all.mae > 10 firing', 'window.mae > 50 resolved'],
    );
    const [windowFired, allFired, windowResolved] = events;
    assert.ok(windowFired!.record >= 1 && windowFired!.record <= 100, `fired at ${windowFired!.record}`);
    assert.equal(windowFired!.value, 100);
    assert.equal(allFired!.threshold, 10);
    assert.ok(
      windowResolved!.record > 200 && windowResolved!.record <= 300,
      `resolved at ${windowResolved!.record}`,
    );
    assert.ok(windowResolved!.value <= 45, 'back below the threshold by the 10 % margin');
    assert.deepEqual(rig.alerts, events, 'the same bodies on the alerts topic');
    assert.equal(rig.logs.filter((l) => l.startsWith('warn alert ')).length, 3);
    assert.deepEqual(
      summary.alerts.map((a) => [a.rule, a.value, a.threshold, a.since]),
      [['all.mae > 10', 40, 10, allFired!.at]],
    );
  });

  it('evaluates for records at most once per evaluateMinMs: a quick change is caught by the next evaluation', async () => {
    const rules = parseAlertRules('window.mae > 50');
    // No summary before the one at exit but the first, which comes with the first record.
    const rig = track(
      await watchRig({ rules, windowSize: 100, evaluateMinMs: 60_000, summaryEveryMs: 60_000 }),
    );
    for (let i = 0; i < 500; i++) rig.send(`q-${i}`, i, i < 200 ? i + 100 : i);
    await until(() => rig.joined() === 500, 'every record joined');
    await rig.stop();
    const events = await readAlertEvents(rig.alertsFile);
    // Fired by the first evaluation (the first summary's or the one at record 100); the recovery after record 200
    // is seen only by the summary at exit, as the next evaluation for records is a minute away.
    assert.deepEqual(
      events.map((e) => e.state),
      ['firing', 'resolved'],
    );
    assert.ok(events[0]!.record >= 1 && events[0]!.record <= 100, `fired at ${events[0]!.record}`);
    assert.equal(events[1]!.record, 500);
  });
});
