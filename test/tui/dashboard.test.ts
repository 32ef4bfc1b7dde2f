/**
 * The dashboard on a blessed screen over fake terminal streams, fed by a real in-memory transport: what it draws,
 * how it answers keys and resizes, and that it gives the terminal back.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ALERTS, METRICS, STATUS, SUMMARY } from '../../src/core/topics.js';
import { ServiceCounters } from '../../src/delivery/serviceCounters.js';
import { MemoryTransport } from '../../src/transports/memory/memoryTransport.js';
import { canDrawScreen, startDashboard, type DashboardHandle } from '../../src/tui/dashboard.js';
import { transportFeed } from '../../src/tui/feeds.js';
import { fakeTerminal } from '../../harness/fakeTerminal.js';
import { until } from '../../harness/poll.js';
import { assertEveryPanel } from '../support/screen.js';
import { alertEvent, firing, summaryOf } from '../support/summaries.js';

/** The screen's text once `pattern` shows, drawing on demand. */
async function shows(d: DashboardHandle, pattern: RegExp): Promise<string> {
  await until(() => {
    d.drawNow();
    return pattern.test(d.text());
  }, `the screen to show ${pattern}`);
  return d.text();
}

async function publishSome(transport: MemoryTransport, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    const y = 100 + (i % 50);
    const err = (i * 7) % 40;
    await transport.publish(METRICS, {
      id: `run-${i}`,
      body: { y_true: y, y_pred: y + err, absolute_error: err },
    });
  }
}

async function publishStatus(transport: MemoryTransport): Promise<void> {
  const counters = new ServiceCounters();
  for (let i = 0; i < 1234; i++)
    counters.add({ kind: 'joined', record: { id: i, y_true: 0, y_pred: 0, absolute_error: 0 }, pending: 17 });
  counters.add({ kind: 'unmatched', topic: 'y_true', id: 7, reason: 'no partner', pending: 17 });
  counters.add({ kind: 'dead-lettered', topic: 'y_pred', code: 'bad_body', reason: 'x' });
  await transport.publish(STATUS, {
    id: 'st',
    body: {
      service: 'pipeline',
      instance: 'abc',
      transport: 'memory',
      state: 'connected',
      counters: counters.snapshot(),
    },
  });
}

describe('dashboard on a screen', () => {
  it('draws every panel with the figures at 80×24, answers p, r, ? and q, and restores the terminal', async () => {
    const term = fakeTerminal(80, 24);
    const transport = new MemoryTransport();
    const d = startDashboard({
      feed: transportFeed(transport),
      input: term.input,
      output: term.output,
      terminal: 'xterm-256color',
      env: {},
      refreshMs: 50,
    });
    try {
      assert.equal(term.input.isRaw, true, 'keys are read raw while the dashboard is up');
      await publishSome(transport, 400);
      await publishStatus(transport);
      await transport.publish(SUMMARY, {
        id: 'sum',
        body: summaryOf({
          psi: { bmi: 0.45, prediction: 0.25, age: 0.02 },
          alerts: [firing('psi.bmi > 0.2', 0.45)],
        }),
      });
      const text = await shows(d, /records joined\s+1,234[\s\S]*bmi/);
      const lines = text.split('\n');
      assert.equal(lines.length, 24);
      assert.ok(lines.every((l) => l.length === 80));
      assertEveryPanel(text);
      assert.match(lines[0]!, /^ ALERT psi\.bmi > 0\.2 \(0\.450\)/, 'the banner, on the first line');
      assert.match(text, /quality\s+all\s+window/);
      assert.match(text, /MAE\s+40\.00\s+50\.00/);
      assert.match(text, /bias\s+-4\.00\s+-5\.00/);
      assert.match(text, /R²\s+0\.500\s+0\.500/);
      assert.match(text, /bmi\s+0\.450!/);
      assert.match(text, /predi\S*\s+0\.250!/);
      assert.match(text, /age\s+0\.020 /);
      assert.match(text, /join buffer\s+17/);
      assert.match(text, /evicted unmatched\s+1/);
      assert.match(text, /dead-lettered\s+1/);
      assert.match(text, /memory\s+connected/);
      assert.match(text, /run-399/, 'the newest record is in the table');

      // The alert resolves: the banner goes, and the panels take its line back.
      await transport.publish(ALERTS, { id: 'res', body: alertEvent('psi.bmi > 0.2', 'resolved') });
      await until(() => {
        d.drawNow();
        return !/ALERT/.test(d.text());
      }, 'the banner to go');
      assert.match(d.text().split('\n')[0]!, /^┌/);

      term.input.write('p');
      await shows(d, /PAUSED/);
      await publishSome(transport, 10, 400);
      await until(() => d.model.view(Date.now()).seen === 410, 'data to keep flowing while paused');
      assert.doesNotMatch(d.text(), /run-409/, 'nothing is drawn while paused');
      term.input.write('p');
      await shows(d, /run-409/);

      term.input.write('r');
      await shows(d, /waiting for records/);
      assert.equal(d.model.view(Date.now()).seen, 0);

      term.input.write('?');
      await shows(d, /Keys/);
      term.input.write('?');
      await until(() => !/Keys/.test(d.text()), 'the help to close');
    } finally {
      term.input.write('q');
      assert.equal(await d.done, 'quit');
      await transport.close();
    }
    assert.equal(term.input.isRaw, false, 'raw mode is off again');
    // The alternate screen was left and the cursor shown again.
    const tail = term.output.written.slice(-200);
    assert.ok(tail.includes('\x1b[?1049l'), 'alternate screen left');
    assert.ok(tail.includes('\x1b[?25h'), 'cursor shown');
  });

  it('follows resizes, and asks for a larger terminal below 80×24', async () => {
    const term = fakeTerminal(160, 48);
    const transport = new MemoryTransport();
    const d = startDashboard({
      feed: transportFeed(transport),
      input: term.input,
      output: term.output,
      terminal: 'xterm-256color',
      env: { NO_COLOR: '1' },
    });
    try {
      await publishSome(transport, 100);
      let text = await shows(d, /run-99/);
      assert.equal(text.split('\n')[0]!.length, 160);
      assert.match(text, /20 bins of/);
      assert.match(text, /waiting for the metric summary/);
      assert.match(text, /MAE\s+–\s+–/, 'no summary: figures unknown');

      const psi = Object.fromEntries(
        ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6', 'prediction'].map((c, i) => [
          c,
          i / 40,
        ]),
      );
      await transport.publish(SUMMARY, {
        id: 's',
        body: summaryOf({ psi, alerts: [firing('psi.s6 > 0.2')] }),
      });
      text = await shows(d, /drift PSI · │ = 0\.2 · n 400/);
      assert.match(text.split('\n')[0]!, /^ ALERT psi\.s6 > 0\.2/);
      assert.equal(text.split('\n').length, 48);
      for (const column of ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6', 'prediction'])
        assert.match(text, new RegExp(`│${column}\\s+\\d`), `every column at 160×48: ${column}`);
      assert.match(text, /prediction 0\.250!/);
      assert.match(text, /s6\s+0\.225!/);
      assert.match(text, /s5\s+0\.200 /, 'at the threshold is not over it');

      term.output.resize(70, 20);
      text = await shows(d, /needs at least 80×24/);
      assert.equal(text.split('\n').length, 20);

      term.output.resize(100, 30);
      text = await shows(d, /latest records/);
      assert.equal(text.split('\n').length, 30);
      assert.equal(text.split('\n')[0]!.length, 100);
    } finally {
      d.close();
      await d.done;
      await transport.close();
    }
    // NO_COLOR: no foreground or background colour was ever set.
    const colour = /\x1b\[(?:[0-9;]*;)?(?:3[0-7]|4[0-7]|38;5;\d+|48;5;\d+)(?:;[0-9;]*)?m/; // eslint-disable-line no-control-regex
    assert.doesNotMatch(term.output.written, colour);
  });

  it('closes when its signal aborts', async () => {
    const term = fakeTerminal(80, 24);
    const transport = new MemoryTransport();
    const stop = new AbortController();
    const d = startDashboard({
      feed: transportFeed(transport),
      input: term.input,
      output: term.output,
      terminal: 'xterm-256color',
      signal: stop.signal,
    });
    stop.abort();
    assert.equal(await d.done, 'signal');
    await transport.close();
  });

  it('is drawn only on a terminal that can address the cursor', () => {
    assert.equal(canDrawScreen({ isTTY: true }, { TERM: 'xterm-256color' }), true);
    assert.equal(canDrawScreen({ isTTY: true }, { TERM: 'dumb' }), false);
    assert.equal(canDrawScreen({}, { TERM: 'xterm-256color' }), false, 'piped or redirected');
  });
});
