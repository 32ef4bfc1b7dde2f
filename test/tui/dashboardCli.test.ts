/**
 * `pipeline dashboard` as a user sees it: the real CLI in a real terminal (tmux, at 80×24 and 160×48), read back
 * with `capture-pane`. Checks that every panel and its figures appear and change, that the connection state
 * follows a cut broker connection, and that q exits 0 with the terminal restored.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METRICS, STATUS } from '../../src/core/topics.js';
import type { Transport } from '../../src/core/transport.js';
import { ServiceCounters } from '../../src/delivery/serviceCounters.js';
import { createTransport } from '../../src/transports/createTransport.js';
import { AMQP_URL, brokerReachable, NATS_URL } from '../../harness/brokers.js';
import { cliCommand, REPO_ROOT } from '../../harness/cli.js';
import { startTcpProxy, type TcpProxy } from '../../harness/tcpProxy.js';
import { until } from '../../harness/poll.js';
import { assertEveryPanel } from '../support/screen.js';
import { firing, summaryOf } from '../support/summaries.js';

const SOCKET = `tui-e2e-${process.pid}`;
const hasTmux = ((): boolean => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

let sessions = 0;

/**
 * Runs the CLI with `args` in a new detached tmux session of `cols` × `rows`. When the CLI exits, the pane
 * shows `EXIT <code>` and the terminal modes that matter (canonical input and echo: not left raw).
 */
function startInTmux(args: string[], cols: number, rows: number): string {
  const name = `s${++sessions}`;
  const { command, argv } = cliCommand(args);
  const cli = [command, ...argv].map(quote).join(' ');
  const script = `cd ${quote(REPO_ROOT)} && ${cli} 2>/dev/null; echo "EXIT $?"; stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; echo; sleep 600`;
  tmux(
    'new-session',
    '-d',
    '-s',
    name,
    '-x',
    String(cols),
    '-y',
    String(rows),
    '-e',
    'LANG=C.UTF-8',
    `sh -c ${quote(script)}`,
  );
  return name;
}

const capture = (name: string): string => tmux('capture-pane', '-p', '-t', name);

async function untilScreen(name: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  let text = '';
  const screen = { failure: () => undefined, report: () => `it shows:\n${text}` };
  return until(
    () => {
      text = capture(name);
      return pattern.test(text) && text;
    },
    `the screen to show ${pattern}`,
    { timeoutMs, intervalMs: 100, watch: screen },
  );
}

/** The number a figure line shows, e.g. `records joined    1,234` -> 1234. */
function figure(text: string, label: string): number {
  const m = new RegExp(`${label.replace(/[/]/g, '\\/')}\\s+([\\d,.]+)`).exec(text);
  assert.ok(m, `no figure "${label}" on screen:\n${text}`);
  return Number(m[1]!.replaceAll(',', ''));
}

/** Presses q and checks the exit: status 0, alternate screen left, cursor shown, terminal not raw. */
async function quitAndCheck(name: string): Promise<void> {
  tmux('send-keys', '-t', name, 'q');
  const text = await untilScreen(name, /EXIT \d+\n.*echo/);
  assert.match(text, /EXIT 0/);
  assert.match(text, /icanon echo/);
  assert.doesNotMatch(text, /figures/, 'the dashboard is gone from the screen');
  assert.equal(tmux('display-message', '-p', '-t', name, '#{alternate_on} #{cursor_flag}').trim(), '0 1');
}

const csvRows = (from: number, n: number): string => {
  let s = '';
  for (let i = from; i < from + n; i++) {
    const y = 25 + ((i * 37) % 320);
    const err = ((i * 7919) % 6000) / 100;
    s += `e2e-${i},${y},${y + err},${err}\n`;
  }
  return s;
};

describe('pipeline dashboard in a terminal', { skip: hasTmux ? false : 'tmux is not installed' }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tui-e2e-'));
  });
  after(async () => {
    try {
      tmux('kill-server');
    } catch {
      // No session was started.
    }
    await rm(dir, { recursive: true, force: true });
  });

  for (const [cols, rows] of [
    [80, 24],
    [160, 48],
  ] as const) {
    it(`--from-csv at ${cols}×${rows}: every panel, figures that follow the log, q restores the terminal`, async () => {
      const csv = join(dir, `metric_log_${cols}.csv`);
      const summaryFile = join(dir, `summary_${cols}.json`);
      await writeFile(csv, `id,y_true,y_pred,absolute_error\n${csvRows(0, 200)}`);
      const name = startInTmux(
        ['dashboard', '--from-csv', csv, '--summary-file', summaryFile, '--refresh-ms', '100'],
        cols,
        rows,
      );
      await untilScreen(name, /e2e-199/);
      let text = await untilScreen(name, /records joined\s+200(?![\d,])/);
      assertEveryPanel(text);
      assert.match(text, /MAE\s+–\s+–/, 'no summary file yet: figures unknown, no error');
      assert.match(text, /waiting for the/);
      assert.match(text, /e2e-199/, 'the newest row is in the table');
      assert.match(text, /csv .*connected/);
      const maxError = Math.max(
        ...csvRows(0, 200)
          .trim()
          .split('\n')
          .map((l) => Number(l.split(',')[3])),
      );
      if (rows >= 48) assert.equal(figure(text, 'max error'), Number(maxError.toFixed(2)));
      const lines = text.split('\n');
      assert.ok(lines.length >= rows && lines.every((l) => [...l].length <= cols));

      await writeFile(
        summaryFile,
        JSON.stringify(summaryOf({ psi: { bmi: 0.45, age: 0.02 }, alerts: [firing('psi.bmi > 0.2', 0.45)] })),
      );
      text = await untilScreen(name, /ALERT psi\.bmi > 0\.2/);
      text = await untilScreen(name, /MAE\s+40\.00\s+50\.00/);
      text = await untilScreen(name, /bmi\s+0\.450!/);
      assert.match(text.split('\n')[0]!, /ALERT/, 'the banner is the top line');

      await appendFile(csv, csvRows(200, 50));
      // A frame reaches the terminal in pieces: wait until both panels show the new rows.
      text = await untilScreen(name, /e2e-249/);
      text = await untilScreen(name, /records joined\s+250(?![\d,])/);
      assert.match(text, /e2e-249/);
      await quitAndCheck(name);
    });
  }

  for (const broker of ['nats', 'amqp'] as const) {
    it(`--transport=${broker}: attaches to a running pipeline's broadcasts and rides out a cut connection`, async (t) => {
      const target = new URL(broker === 'nats' ? NATS_URL : AMQP_URL);
      const skip = await brokerReachable(broker === 'nats' ? 'nats' : 'rabbitmq', target.href);
      if (skip) return t.skip(skip);
      // The dashboard reaches the broker through a proxy the test can cut; the "pipeline" below goes direct.
      const proxy: TcpProxy = await startTcpProxy({
        host: target.hostname,
        port: Number(target.port || (broker === 'nats' ? 4222 : 5672)),
      });
      const viaProxy = new URL(target.href);
      viaProxy.port = String(proxy.port);
      const pipeline: Transport = await createTransport({ kind: broker, url: target.href });
      const counters = new ServiceCounters();
      let i = 0;
      // Stands in for the metric service: a record on `metrics` per joined row, its status every 200 ms.
      const timer = setInterval(() => {
        for (let k = 0; k < 20; k++, i++) {
          const record = { id: `e2e-${i}`, y_true: 100, y_pred: 100 + (i % 30), absolute_error: i % 30 };
          counters.add({ kind: 'joined', record, pending: 7 });
          void pipeline
            .publish(METRICS, {
              id: record.id,
              body: { y_true: 100, y_pred: record.y_pred, absolute_error: record.absolute_error },
            })
            .catch(() => undefined);
        }
        const body = {
          service: 'metric',
          instance: 'e2e',
          transport: broker,
          state: 'connected',
          counters: counters.snapshot(),
        };
        void pipeline.publish(STATUS, { id: `st-${i}`, body }).catch(() => undefined);
      }, 200);
      try {
        const name = startInTmux(
          ['dashboard', `--transport=${broker}`, '--url', viaProxy.href, '--refresh-ms', '100'],
          80,
          24,
        );
        let text = await untilScreen(name, new RegExp(`${broker}\\s+connected`));
        // A frame reaches the terminal in pieces: wait for the table's rows and the figures alike.
        await untilScreen(name, /e2e-\d+/);
        text = await untilScreen(name, /join buffer\s+7(?![\d,])/);
        const joined = figure(text, 'records joined');
        assert.ok(joined > 0);
        text = await untilScreen(name, /e2e-\d+/);
        assert.match(text, /dead-lettered\s+0(?![\d,])/);

        proxy.cut(3000);
        await untilScreen(name, new RegExp(`${broker}\\s+(reconnecting|connecting)`));
        // Recovers by itself once the broker is reachable again, and the figures move on.
        text = await untilScreen(name, new RegExp(`${broker}\\s+connected`), 60_000);
        const afterReconnect = figure(text, 'records joined');
        await untilScreen(
          name,
          new RegExp(`records joined\\s+(?!${afterReconnect.toLocaleString('en-US')}(?![\\d,]))\\d`),
        );
        await quitAndCheck(name);
      } finally {
        clearInterval(timer);
        await pipeline.close();
        await proxy.close();
      }
    });
  }
});
